// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Gateway API Gateways go to the fake kube client like any Kubernetes
// object, and Istio's own gateway controller (which xds.FakeDiscoveryServer
// runs) turns them and their routes into the gateway's configuration. What a
// cluster would add is the gateway's workload: for a Gateway of a class
// Istio manages, istiod's deployment controller creates a Deployment and a
// Service named <gateway>-<class> (kube-gateway.yaml in Istio's
// istio-discovery chart). The oracle adds that Service, and a pod behind it,
// when the files do not hold them, so calls to the Gateway's listener ports
// reach a proxy configured as the deployed one would be.

const (
	gatewayNameLabel      = "gateway.networking.k8s.io/gateway-name"
	gatewayClassNameLabel = "gateway.networking.k8s.io/gateway-class-name"
	istioGatewayClass     = "istio"
	istioGatewayCtrl      = "istio.io/gateway-controller"
)

// managedByIstio: the Gateway's class is Istio's (the built-in class istio,
// which istiod creates, or a GatewayClass of the files naming istiod's
// controller), and it has no address of type Hostname (which names an
// existing Service instead: istiod deploys nothing for it).
func (s *snapshot) managedByIstio(gw *gatewayv1.Gateway) bool {
	for _, a := range gw.Spec.Addresses {
		if a.Type != nil && *a.Type == gatewayv1.HostnameAddressType {
			return false
		}
	}
	class := string(gw.Spec.GatewayClassName)
	for _, o := range s.kube {
		if gc, ok := o.(*gatewayv1.GatewayClass); ok && gc.Name == class {
			return string(gc.Spec.ControllerName) == istioGatewayCtrl
		}
	}
	return class == istioGatewayClass
}

// deployGatewayAPI adds the Service istiod's deployment controller would
// create for each managed Gateway that has none in the files: type
// LoadBalancer, selector gateway.networking.k8s.io/gateway-name, a
// status-port and one port per distinct listener port named after the
// listener with appProtocol its protocol (extractServicePorts in
// pilot/pkg/config/kube/gatewaycommon/deploymentcontroller.go); the real
// istiod's are compared with these in tests/e2e/istiod/gateway_api_test.cpp.
// gatewayWorkloads gives each a pod.
func (s *snapshot) deployGatewayAPI() {
	var gateways []*gatewayv1.Gateway
	services := map[string]bool{}
	for _, o := range s.kube {
		switch v := o.(type) {
		case *gatewayv1.Gateway:
			gateways = append(gateways, v)
		case *corev1.Service:
			services[v.Namespace+"/"+v.Name] = true
		}
	}
	for _, gw := range gateways {
		if !s.managedByIstio(gw) {
			continue
		}
		name := fmt.Sprintf("%s-%s", gw.Name, gw.Spec.GatewayClassName)
		if services[gw.Namespace+"/"+name] {
			continue
		}
		tcp := "tcp"
		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{
				Name:      name,
				Namespace: gw.Namespace,
				Labels: map[string]string{
					gatewayNameLabel:      gw.Name,
					gatewayClassNameLabel: string(gw.Spec.GatewayClassName),
				},
			},
			Spec: corev1.ServiceSpec{
				Type:     corev1.ServiceTypeLoadBalancer,
				Selector: map[string]string{gatewayNameLabel: gw.Name},
				// targetPort as the API server defaults it: the port.
				Ports: []corev1.ServicePort{{Name: "status-port", Port: 15021, TargetPort: intstr.FromInt32(15021),
					Protocol: corev1.ProtocolTCP, AppProtocol: &tcp}},
			},
		}
		seen := map[int32]bool{}
		for _, l := range gw.Spec.Listeners {
			if seen[l.Port] {
				continue
			}
			seen[l.Port] = true
			app := strings.ToLower(string(l.Protocol))
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{
				Name: strings.ReplaceAll(string(l.Name), ".", "-"), Port: l.Port, TargetPort: intstr.FromInt32(l.Port),
				Protocol: corev1.ProtocolTCP, AppProtocol: &app,
			})
		}
		s.kube = append(s.kube, svc)
		s.deployed = append(s.deployed, svc)
	}
}
