// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"regexp"
	"strings"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// request is what route matching sees of a call: pseudo-headers included,
// header names in lower case.
type request struct {
	path    string
	headers map[string]string
}

// matchRoute picks the first route of the virtual host that matches the
// request, as Envoy does: path, headers (":method", "content-type", ...),
// query parameters and the gRPC match. Istio's simulation matches on the
// path alone, which cannot tell a preflight from a gRPC-Web call.
func matchRoute(vh *route.VirtualHost, req request) *route.Route {
	for _, r := range vh.GetRoutes() {
		if routeMatches(r.GetMatch(), req) {
			return r
		}
	}
	return nil
}

func routeMatches(m *route.RouteMatch, req request) bool {
	caseSensitive := m.GetCaseSensitive() == nil || m.GetCaseSensitive().GetValue()
	path := req.path
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	cmp := func(a, b string) (string, string) {
		if caseSensitive {
			return a, b
		}
		return strings.ToLower(a), strings.ToLower(b)
	}
	switch ps := m.GetPathSpecifier().(type) {
	case *route.RouteMatch_Prefix:
		p, pre := cmp(path, ps.Prefix)
		if !strings.HasPrefix(p, pre) {
			return false
		}
	case *route.RouteMatch_Path:
		p, want := cmp(path, ps.Path)
		if p != want {
			return false
		}
	case *route.RouteMatch_PathSeparatedPrefix:
		p, pre := cmp(path, ps.PathSeparatedPrefix)
		if p != pre && !strings.HasPrefix(p, pre+"/") {
			return false
		}
	case *route.RouteMatch_SafeRegex:
		re, err := regexp.Compile("^(?:" + ps.SafeRegex.GetRegex() + ")$")
		if err != nil || !re.MatchString(path) {
			return false
		}
	default:
		return false
	}
	for _, h := range m.GetHeaders() {
		if !headerMatches(h, req.headers) {
			return false
		}
	}
	for _, q := range m.GetQueryParameters() {
		// Calls carry no query string: only an absence match can hold.
		if pm, ok := q.GetQueryParameterMatchSpecifier().(*route.QueryParameterMatcher_PresentMatch); !ok || pm.PresentMatch {
			return false
		}
	}
	if m.GetGrpc() != nil && !strings.HasPrefix(req.headers["content-type"], "application/grpc") {
		return false
	}
	return true
}

// headerMatches follows Envoy's HeaderUtility::matchHeaders: an absent
// header matches only a present_match of false (or, inverted, of true).
func headerMatches(h *route.HeaderMatcher, headers map[string]string) bool {
	value, present := headers[strings.ToLower(h.GetName())]
	if !present && h.GetTreatMissingHeaderAsEmpty() {
		value, present = "", true
	}
	pm, isPresentMatch := h.GetHeaderMatchSpecifier().(*route.HeaderMatcher_PresentMatch)
	if !present {
		if h.GetInvertMatch() {
			return isPresentMatch && pm.PresentMatch
		}
		return isPresentMatch && !pm.PresentMatch
	}
	var ok bool
	switch spec := h.GetHeaderMatchSpecifier().(type) {
	case nil:
		ok = true
	case *route.HeaderMatcher_PresentMatch:
		ok = spec.PresentMatch
	case *route.HeaderMatcher_ExactMatch:
		ok = value == spec.ExactMatch
	case *route.HeaderMatcher_PrefixMatch:
		ok = strings.HasPrefix(value, spec.PrefixMatch)
	case *route.HeaderMatcher_SuffixMatch:
		ok = strings.HasSuffix(value, spec.SuffixMatch)
	case *route.HeaderMatcher_ContainsMatch:
		ok = strings.Contains(value, spec.ContainsMatch)
	case *route.HeaderMatcher_SafeRegexMatch:
		re, err := regexp.Compile("^(?:" + spec.SafeRegexMatch.GetRegex() + ")$")
		ok = err == nil && re.MatchString(value)
	case *route.HeaderMatcher_StringMatch:
		ok = stringMatches(spec.StringMatch, value)
	}
	return ok != h.GetInvertMatch()
}

func stringMatches(m *matcher.StringMatcher, value string) bool {
	v := value
	fold := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch p := m.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return fold(v) == fold(p.Exact)
	case *matcher.StringMatcher_Prefix:
		return strings.HasPrefix(fold(v), fold(p.Prefix))
	case *matcher.StringMatcher_Suffix:
		return strings.HasSuffix(fold(v), fold(p.Suffix))
	case *matcher.StringMatcher_Contains:
		return strings.Contains(fold(v), fold(p.Contains))
	case *matcher.StringMatcher_SafeRegex:
		re, err := regexp.Compile("^(?:" + p.SafeRegex.GetRegex() + ")$")
		return err == nil && re.MatchString(v)
	}
	return false
}
