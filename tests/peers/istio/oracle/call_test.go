// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"errors"
	"net/http"
	"strings"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	cors "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpopts "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"github.com/envoyproxy/go-control-plane/pkg/wellknown"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xdstest"
)

// callResult is the oracle's answer for one call. Durations are in
// milliseconds; 0 means disabled (Envoy's meaning of a zero timeout) and an
// absent field means Envoy's default applies.
type callResult struct {
	Name        string `json:"name"`
	Gateway     string `json:"gateway,omitempty"`
	ListenPort  int    `json:"listenPort,omitempty"` // the pod port the load balancer forwards to
	Listener    string `json:"listener,omitempty"`
	FilterChain string `json:"filterChain,omitempty"`
	RouteConfig string `json:"routeConfig,omitempty"`
	VirtualHost string `json:"virtualHost,omitempty"`
	Route       string `json:"route,omitempty"`
	// Why the call fails, or "" when it reaches a cluster.
	Error string `json:"error,omitempty"`
	// The route answers itself: a redirect or a direct response.
	DirectStatus int `json:"directStatus,omitempty"`

	Cluster  string   `json:"cluster,omitempty"`
	Clusters []string `json:"clusters,omitempty"` // all, for weighted routes
	// Whether the cluster exists in the gateway's configuration (a route to
	// a subset no DestinationRule defines names a cluster that does not).
	ClusterFound bool `json:"clusterFound"`
	// "HTTP2", "HTTP11", "DOWNSTREAM" (the client's protocol) or "AUTO"; for
	// a TCP proxy, "OPAQUE": the client's bytes go upstream untouched.
	UpstreamProtocol string `json:"upstreamProtocol,omitempty"`
	// The filter chain proxies the connection to the cluster without HTTP
	// (a PASSTHROUGH server's tls: route, or a tcp: route): no route, no
	// HTTP filter applies, and TLS reaches the backend as the client sent it.
	TCPProxy bool `json:"tcpProxy,omitempty"`
	Endpoints        int    `json:"endpoints"`

	HTTPFilters []string `json:"httpFilters,omitempty"`

	TimeoutMs            *int64 `json:"timeoutMs,omitempty"`
	IdleTimeoutMs        *int64 `json:"idleTimeoutMs,omitempty"`
	GrpcTimeoutHeaderMax *int64 `json:"grpcTimeoutHeaderMaxMs,omitempty"`
	StreamIdleTimeoutMs  *int64 `json:"streamIdleTimeoutMs,omitempty"` // the HCM's

	Retry *retryResult `json:"retry,omitempty"`
	CORS  *corsResult  `json:"cors,omitempty"`

	ClusterIdleTimeoutMs    *int64 `json:"clusterIdleTimeoutMs,omitempty"`
	ClusterMaxConnDuration  *int64 `json:"clusterMaxConnectionDurationMs,omitempty"`
	TCPKeepalive            bool   `json:"tcpKeepalive"`
	HTTP2KeepaliveInterval  *int64 `json:"http2KeepaliveIntervalMs,omitempty"`
	ClusterConnectTimeoutMs *int64 `json:"clusterConnectTimeoutMs,omitempty"`

	// The TLS context of the filter chain the call matched: the SDS names
	// of the server certificates, whether a client certificate is required
	// (MUTUAL) and the SDS name of the CA client certificates are checked
	// against (MUTUAL and OPTIONAL_MUTUAL). The simulation itself does not
	// check client certificates on a gateway.
	ServerCertificates       []string `json:"serverCertificates,omitempty"`
	RequireClientCertificate bool     `json:"requireClientCertificate,omitempty"`
	ClientCA                 string   `json:"clientCA,omitempty"`
}

type retryResult struct {
	RetryOn              string   `json:"retryOn"`
	NumRetries           uint32   `json:"numRetries"`
	PerTryTimeoutMs      *int64   `json:"perTryTimeoutMs,omitempty"`
	RetriableStatusCodes []uint32 `json:"retriableStatusCodes,omitempty"`
}

// corsResult is the CORS policy that applies to the matched route (the
// route's own, else its virtual host's) and what it makes of the request's
// Origin.
type corsResult struct {
	AllowOrigins  []string `json:"allowOrigins"`
	AllowMethods  string   `json:"allowMethods,omitempty"`
	AllowHeaders  string   `json:"allowHeaders,omitempty"`
	ExposeHeaders string   `json:"exposeHeaders,omitempty"`
	// Whether the request's Origin header is allowed (false without one).
	OriginAllowed bool `json:"originAllowed"`
	// Whether the request is a CORS preflight the filter answers: OPTIONS
	// with Origin and Access-Control-Request-Method, a cors filter in the
	// chain, and this policy.
	Preflight bool `json:"preflight"`
}

func ms(d *durationpb.Duration) *int64 {
	if d == nil {
		return nil
	}
	v := d.AsDuration().Milliseconds()
	return &v
}

// runCall sends the call to the chosen gateway workload, or to each in turn
// until one routes it.
func runCall(gws []*gatewaySim, c call) callResult {
	var first *callResult
	for _, g := range gws {
		if c.Gateway != "" && c.Gateway != g.w.ID {
			continue
		}
		r := g.run(c)
		if r.Error == "" {
			return r
		}
		if first == nil {
			first = &r
		}
	}
	if first != nil {
		return *first
	}
	if c.Gateway != "" {
		return callResult{Name: c.Name, Error: "no gateway workload " + c.Gateway}
	}
	return callResult{Name: c.Name, Error: "no gateway workload: no Gateway selects any workload"}
}

func errorText(err error) string {
	switch {
	case errors.Is(err, simulation.ErrNoListener):
		return "no listener"
	case errors.Is(err, simulation.ErrNoFilterChain):
		return "no filter chain"
	case errors.Is(err, simulation.ErrMultipleFilterChain):
		return "several filter chains"
	case errors.Is(err, simulation.ErrTLSError), errors.Is(err, simulation.ErrMTLSError):
		return "TLS mismatch"
	case errors.Is(err, simulation.ErrProtocolError):
		return "protocol error"
	case errors.Is(err, simulation.ErrNoVirtualHost):
		return "no virtual host"
	case errors.Is(err, simulation.ErrNoRoute):
		return "no route"
	case errors.Is(err, simulation.ErrTLSRedirect):
		return "TLS redirect"
	}
	return err.Error()
}

func (g *gatewaySim) run(c call) callResult {
	res := callResult{Name: c.Name, Gateway: g.w.ID}
	port := c.Port
	if g.w.ports != nil {
		target, ok := g.w.ports[c.Port]
		if !ok {
			res.Error = "port not exposed"
			return res
		}
		port = target
	}
	res.ListenPort = port
	method := c.Method
	if method == "" {
		method = http.MethodPost
	}
	headers := map[string]string{}
	for k, v := range c.Headers {
		headers[strings.ToLower(k)] = v
	}
	headers[":method"] = method
	headers[":authority"] = c.Authority
	headers[":path"] = c.Path
	if c.TLS == "tls" {
		headers[":scheme"] = "https"
	} else {
		headers[":scheme"] = "http"
	}
	protocol := simulation.HTTP2
	if c.Protocol == "http" {
		protocol = simulation.HTTP
	}
	tlsMode := simulation.Plaintext
	if c.TLS == "tls" {
		tlsMode = simulation.TLS
	}
	sni := c.SNI
	if sni == "" && tlsMode == simulation.TLS {
		sni = c.Authority
	}
	sc := simulation.Call{
		Port:       port,
		Path:       c.Path,
		Protocol:   protocol,
		TLS:        tlsMode,
		Alpn:       c.ALPN,
		HostHeader: c.Authority,
		Sni:        sni,
		CallMode:   simulation.CallModeGateway,
	}
	r := g.sim.Run(sc)
	res.Listener = r.ListenerMatched
	res.FilterChain = r.FilterChainMatched
	res.RouteConfig = r.RouteConfigMatched
	res.VirtualHost = r.VirtualHostMatched
	if r.Error != nil && !errors.Is(r.Error, simulation.ErrNoRoute) {
		res.Error = errorText(r.Error)
		return res
	}
	if r.Error == nil && r.RouteConfigMatched == "" && r.ClusterMatched != "" {
		// pilot/pkg/simulation: a filter chain whose network filter is a
		// TCP proxy names its cluster directly.
		res.TCPProxy = true
		res.Cluster = r.ClusterMatched
		res.Clusters = []string{r.ClusterMatched}
		if cl := xdstest.ExtractCluster(res.Cluster, g.sim.Clusters); cl != nil {
			res.ClusterFound = true
			describeCluster(&res, cl)
		} else {
			res.Error = "no cluster"
		}
		res.UpstreamProtocol = "OPAQUE"
		res.Endpoints = g.endpoints[res.Cluster]
		return res
	}
	l := xdstest.ExtractListener(r.ListenerMatched, g.sim.Listeners)
	describeTLS(&res, l, r.FilterChainMatched, sni)
	h := chainHCM(l, r.RouteConfigMatched, sni)
	if h != nil {
		for _, f := range h.GetHttpFilters() {
			res.HTTPFilters = append(res.HTTPFilters, f.GetName())
		}
		res.StreamIdleTimeoutMs = ms(h.GetStreamIdleTimeout())
	}
	rc := xdstest.ExtractRouteConfigurations(g.sim.Routes)[r.RouteConfigMatched]
	var vh *route.VirtualHost
	for _, v := range rc.GetVirtualHosts() {
		if v.GetName() == r.VirtualHostMatched {
			vh = v
			break
		}
	}
	if vh == nil {
		res.Error = "no virtual host"
		return res
	}
	rt := matchRoute(vh, request{path: c.Path, headers: headers})
	if rt == nil {
		res.Error = "no route"
		return res
	}
	res.Route = rt.GetName()
	res.CORS = corsFor(rt, vh, headers, hasFilter(res.HTTPFilters, wellknown.CORS))
	switch a := rt.GetAction().(type) {
	case *route.Route_Redirect:
		res.DirectStatus = 301
		res.Error = "redirect"
		return res
	case *route.Route_DirectResponse:
		res.DirectStatus = int(a.DirectResponse.GetStatus())
		res.Error = "direct response"
		return res
	case *route.Route_Route:
		ra := a.Route
		switch cs := ra.GetClusterSpecifier().(type) {
		case *route.RouteAction_Cluster:
			res.Cluster = cs.Cluster
			res.Clusters = []string{cs.Cluster}
		case *route.RouteAction_WeightedClusters:
			for _, wc := range cs.WeightedClusters.GetClusters() {
				res.Clusters = append(res.Clusters, wc.GetName())
			}
			if len(res.Clusters) > 0 {
				res.Cluster = res.Clusters[0]
			}
		}
		res.TimeoutMs = ms(ra.GetTimeout())
		res.IdleTimeoutMs = ms(ra.GetIdleTimeout())
		if msd := ra.GetMaxStreamDuration(); msd != nil {
			res.GrpcTimeoutHeaderMax = ms(msd.GetGrpcTimeoutHeaderMax())
		}
		if rp := ra.GetRetryPolicy(); rp != nil {
			res.Retry = &retryResult{
				RetryOn:              rp.GetRetryOn(),
				NumRetries:           rp.GetNumRetries().GetValue(),
				PerTryTimeoutMs:      ms(rp.GetPerTryTimeout()),
				RetriableStatusCodes: rp.GetRetriableStatusCodes(),
			}
		}
	default:
		res.Error = "route without action"
		return res
	}
	if cl := xdstest.ExtractCluster(res.Cluster, g.sim.Clusters); cl != nil {
		res.ClusterFound = true
		describeCluster(&res, cl)
	} else {
		res.Error = "no cluster"
	}
	res.Endpoints = g.endpoints[res.Cluster]
	return res
}

// chainHCM finds the HTTP connection manager of the filter chain the call
// went through: the chain of the listener whose RDS name is the route config
// matched, preferring one whose server names hold the SNI.
func chainHCM(l *listener.Listener, routeConfig, sni string) *hcm.HttpConnectionManager {
	var found *hcm.HttpConnectionManager
	for _, fc := range l.GetFilterChains() {
		for _, f := range fc.GetFilters() {
			if f.GetName() != wellknown.HTTPConnectionManager {
				continue
			}
			h := &hcm.HttpConnectionManager{}
			if err := f.GetTypedConfig().UnmarshalTo(h); err != nil {
				continue
			}
			if h.GetRds().GetRouteConfigName() != routeConfig {
				continue
			}
			names := fc.GetFilterChainMatch().GetServerNames()
			for _, n := range names {
				if n == sni {
					return h
				}
			}
			if found == nil {
				found = h
			}
		}
	}
	return found
}

// describeTLS fills in the TLS context of the filter chain named `chain`
// (the one serving `sni` when several have that name).
func describeTLS(res *callResult, l *listener.Listener, chain, sni string) {
	var found *listener.FilterChain
	for _, fc := range l.GetFilterChains() {
		if fc.GetName() != chain {
			continue
		}
		if found == nil {
			found = fc
		}
		for _, n := range fc.GetFilterChainMatch().GetServerNames() {
			if n == sni {
				found = fc
			}
		}
	}
	ts := found.GetTransportSocket()
	if ts == nil {
		return
	}
	ctx := &tlsv3.DownstreamTlsContext{}
	if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
		return
	}
	common := ctx.GetCommonTlsContext()
	for _, c := range common.GetTlsCertificateSdsSecretConfigs() {
		res.ServerCertificates = append(res.ServerCertificates, c.GetName())
	}
	res.RequireClientCertificate = ctx.GetRequireClientCertificate().GetValue()
	if v := common.GetCombinedValidationContext(); v != nil {
		res.ClientCA = v.GetValidationContextSdsSecretConfig().GetName()
	} else if v := common.GetValidationContextSdsSecretConfig(); v != nil {
		res.ClientCA = v.GetName()
	}
}

func hasFilter(filters []string, name string) bool {
	for _, f := range filters {
		if f == name {
			return true
		}
	}
	return false
}

func corsFor(rt *route.Route, vh *route.VirtualHost, headers map[string]string, filter bool) *corsResult {
	var policy *cors.CorsPolicy
	for _, tpfc := range []map[string]*anypb.Any{rt.GetTypedPerFilterConfig(), vh.GetTypedPerFilterConfig()} {
		if a, ok := tpfc[wellknown.CORS]; ok {
			p := &cors.CorsPolicy{}
			if err := a.UnmarshalTo(p); err == nil {
				policy = p
				break
			}
		}
	}
	if policy == nil {
		return nil
	}
	res := &corsResult{
		AllowOrigins:  []string{},
		AllowMethods:  policy.GetAllowMethods(),
		AllowHeaders:  policy.GetAllowHeaders(),
		ExposeHeaders: policy.GetExposeHeaders(),
	}
	origin, hasOrigin := headers["origin"]
	for _, m := range policy.GetAllowOriginStringMatch() {
		res.AllowOrigins = append(res.AllowOrigins, describeStringMatch(m))
		if hasOrigin && stringMatches(m, origin) {
			res.OriginAllowed = true
		}
	}
	_, hasRequestMethod := headers["access-control-request-method"]
	res.Preflight = filter && headers[":method"] == http.MethodOptions && hasOrigin && hasRequestMethod
	return res
}

func describeCluster(res *callResult, cl *cluster.Cluster) {
	res.UpstreamProtocol = "HTTP11"
	if a, ok := cl.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]; ok {
		po := &httpopts.HttpProtocolOptions{}
		if err := a.UnmarshalTo(po); err == nil {
			switch {
			case po.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil:
				res.UpstreamProtocol = "HTTP2"
				res.HTTP2KeepaliveInterval = ms(po.GetExplicitHttpConfig().GetHttp2ProtocolOptions().GetConnectionKeepalive().GetInterval())
			case po.GetUseDownstreamProtocolConfig() != nil:
				res.UpstreamProtocol = "DOWNSTREAM"
			case po.GetAutoConfig() != nil:
				res.UpstreamProtocol = "AUTO"
			}
			res.ClusterIdleTimeoutMs = ms(po.GetCommonHttpProtocolOptions().GetIdleTimeout())
			res.ClusterMaxConnDuration = ms(po.GetCommonHttpProtocolOptions().GetMaxConnectionDuration())
		}
	}
	res.TCPKeepalive = cl.GetUpstreamConnectionOptions().GetTcpKeepalive() != nil
	res.ClusterConnectTimeoutMs = ms(cl.GetConnectTimeout())
}

// describeStringMatch writes a matcher as "exact:x", "prefix:x", "regex:x", ...
func describeStringMatch(m *matcher.StringMatcher) string {
	switch p := m.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return "exact:" + p.Exact
	case *matcher.StringMatcher_Prefix:
		return "prefix:" + p.Prefix
	case *matcher.StringMatcher_Suffix:
		return "suffix:" + p.Suffix
	case *matcher.StringMatcher_Contains:
		return "contains:" + p.Contains
	case *matcher.StringMatcher_SafeRegex:
		return "regex:" + p.SafeRegex.GetRegex()
	}
	return "?"
}
