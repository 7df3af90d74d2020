//go:build tools

// Package peers pins grpcurl, the peer the grpcurl command is compared with.
package peers

import _ "github.com/fullstorydev/grpcurl/cmd/grpcurl"
