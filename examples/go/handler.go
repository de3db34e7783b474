// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// Package example is the code under test of the original project's Big Picture: an
// HTTP handler that asks a downstream service and answers 502 when it
// cannot reach it.
package example

import (
	"io"
	"net/http"
	"time"
)

// DownstreamURL is the service YourAPIHandler calls.
var DownstreamURL = "http://127.0.0.1:8080/"

// The downstream's deadline: packets that vanish (the original project's
// outgoing_network failure drops them) end in this timeout.
var client = &http.Client{Timeout: 2 * time.Second}

// YourAPIHandler answers with the downstream's body, or 502 "Downstream
// service failed\n" when the downstream cannot be reached.
func YourAPIHandler(w http.ResponseWriter, r *http.Request) {
	resp, err := client.Get(DownstreamURL)
	if err != nil {
		http.Error(w, "Downstream service failed", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		http.Error(w, "Downstream service failed", http.StatusBadGateway)
		return
	}
	w.Write(body)
}
