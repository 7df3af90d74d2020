#pragma once

// Runs Istio's analyzers (what `istioctl analyze` runs) through the Istio
// oracle's analysis mode (tests/peers/istio/oracle/analyze_test.go).
#include <nlohmann/json.hpp>

namespace oracle {

// Runs `istio-oracle -test.run=TestAnalyze -analyze=...` on an array of
// cases ({"name", "files", "namespace"}) and returns the array of results
// ({"name", "error", "messages": [{"code", "level", "kind", "namespace",
// "name", "text"}]}), in order. Throws std::runtime_error with the oracle's
// output when it fails.
nlohmann::json run_analyze(const nlohmann::json& cases);

}  // namespace oracle
