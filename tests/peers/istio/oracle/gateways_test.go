// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pkg/config/labels"
	"istio.io/istio/pkg/config/schema/gvk"
)

// gatewayWorkload is one gateway pod the oracle builds a proxy for: a Pod of
// the snapshot behind a LoadBalancer or NodePort Service or selected by an
// Istio Gateway, or, when the files hold no such Pod, one made for such a
// Service.
type gatewayWorkload struct {
	ID        string            `json:"id"` // pod.namespace, as istiod names proxies
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
	IP        string            `json:"ip,omitempty"`
	Pod       bool              `json:"pod"` // false: no Pod in the files, one made for a Service
	// Ports of the Services in front of the workload: Service port -> target
	// port on the pod (what the load balancer forwards), when known.
	ports map[int]int
}

func gatewaySelectors(s *snapshot) []labels.Instance {
	var out []labels.Instance
	for _, c := range s.configs {
		if c.GroupVersionKind != gvk.Gateway {
			continue
		}
		if gw, ok := c.Spec.(*networking.Gateway); ok && len(gw.Selector) > 0 {
			out = append(out, labels.Instance(gw.Selector))
		}
	}
	return out
}

func selectedByAny(sel []labels.Instance, l map[string]string) bool {
	for _, s := range sel {
		if s.SubsetOf(l) {
			return true
		}
	}
	return false
}

// gatewayWorkloads finds the gateway pods of the snapshot, in a stable order.
func gatewayWorkloads(s *snapshot) []gatewayWorkload {
	sel := gatewaySelectors(s)
	var services []*corev1.Service
	var pods []*corev1.Pod
	for _, o := range s.kube {
		switch v := o.(type) {
		case *corev1.Service:
			services = append(services, v)
		case *corev1.Pod:
			pods = append(pods, v)
		}
	}
	var out []gatewayWorkload
	next := 0
	// address gives a gateway pod without one (files often leave status
	// out) the address a scheduled pod would have, so that Istio finds the
	// Services in front of it and translates their ports as in a cluster.
	address := func(p *corev1.Pod) {
		if p.Status.PodIP == "" {
			next++
			p.Status.PodIP = fmt.Sprintf("10.255.%d.%d", next/250, next%250+1)
			p.Status.PodIPs = []corev1.PodIP{{IP: p.Status.PodIP}}
		}
		if p.Status.Phase == "" {
			p.Status.Phase = corev1.PodRunning
		}
	}
	// The calls go to the load balancer: the gateway workloads are the pods
	// behind LoadBalancer and NodePort Services, and those a Gateway
	// selects (a Gateway that selects none of them serves nothing).
	fronted := func(l map[string]string, ns string) bool {
		for _, svc := range services {
			if svc.Namespace == ns && len(svc.Spec.Selector) > 0 && exposed(svc) &&
				labels.Instance(svc.Spec.Selector).SubsetOf(l) {
				return true
			}
		}
		return false
	}
	for _, p := range pods {
		if !selectedByAny(sel, p.Labels) && !fronted(p.Labels, p.Namespace) {
			continue
		}
		address(p)
		w := gatewayWorkload{ID: p.Name + "." + p.Namespace, Namespace: p.Namespace, Labels: p.Labels, IP: p.Status.PodIP, Pod: true}
		w.ports = servicePorts(services, p.Namespace, p.Labels, p)
		out = append(out, w)
	}
	if len(out) == 0 {
		// No pod in the files: one for each LoadBalancer or NodePort Service
		// and each Service whose selector a Gateway's selector picks, with
		// the labels and namespace the Service shows, added to the snapshot.
		for _, svc := range services {
			if len(svc.Spec.Selector) == 0 || !(exposed(svc) || selectedByAny(sel, svc.Spec.Selector)) || deployed(s, svc) {
				continue
			}
			out = append(out, madePod(s, services, svc, address))
		}
	}
	// The Service of a managed Gateway API Gateway that the oracle made
	// (deployGatewayAPI) has a pod of its own unless the files hold one.
	for _, svc := range s.deployed {
		found := false
		for _, w := range out {
			if w.Namespace == svc.Namespace && labels.Instance(svc.Spec.Selector).SubsetOf(w.Labels) {
				found = true
			}
		}
		if !found {
			out = append(out, madePod(s, services, svc, address))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// madePod adds to the snapshot a gateway pod for a Service whose pods the
// files lack, with the labels and namespace the Service selects.
func madePod(s *snapshot, services []*corev1.Service, svc *corev1.Service, address func(*corev1.Pod)) gatewayWorkload {
	p := &corev1.Pod{}
	p.Name, p.Namespace, p.Labels = svc.Name+"-oracle", svc.Namespace, svc.Spec.Selector
	p.Spec.Containers = []corev1.Container{{Name: "istio-proxy", Image: "proxyv2"}}
	address(p)
	s.kube = append(s.kube, p)
	w := gatewayWorkload{ID: p.Name + "." + p.Namespace, Namespace: p.Namespace, Labels: p.Labels, IP: p.Status.PodIP}
	w.ports = servicePorts(services, svc.Namespace, svc.Spec.Selector, nil)
	return w
}

func deployed(s *snapshot, svc *corev1.Service) bool {
	for _, d := range s.deployed {
		if d == svc {
			return true
		}
	}
	return false
}

func exposed(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort
}

// servicePorts maps the ports of every Service in ns selecting those labels
// to their target ports.
func servicePorts(services []*corev1.Service, ns string, l map[string]string, pod *corev1.Pod) map[int]int {
	var m map[int]int
	for _, svc := range services {
		if svc.Namespace != ns || len(svc.Spec.Selector) == 0 || !labels.Instance(svc.Spec.Selector).SubsetOf(l) {
			continue
		}
		if m == nil {
			m = map[int]int{}
		}
		for _, p := range svc.Spec.Ports {
			if _, seen := m[int(p.Port)]; seen {
				continue
			}
			m[int(p.Port)] = targetPort(p, pod)
		}
	}
	return m
}

func targetPort(p corev1.ServicePort, pod *corev1.Pod) int {
	switch {
	case p.TargetPort.Type == intstr.Int && p.TargetPort.IntVal != 0:
		return int(p.TargetPort.IntVal)
	case p.TargetPort.Type == intstr.String && p.TargetPort.StrVal != "" && pod != nil:
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == p.TargetPort.StrVal {
					return int(cp.ContainerPort)
				}
			}
		}
		return int(p.Port)
	}
	return int(p.Port)
}
