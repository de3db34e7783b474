// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package example

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"minderbinder.dev/examples/go/assert"
	. "minderbinder.dev/minderbinder"
)

// The downstream service, on a free loopback port.
var downstreamPort int

func TestMain(m *testing.M) {
	ds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "pong\n")
	}))
	DownstreamURL = ds.URL + "/"
	downstreamPort = ds.Listener.Addr().(*net.TCPAddr).Port
	code := m.Run()
	ds.Close()
	os.Exit(code)
}

// The original project's README, "Big Picture", verbatim apart from the port (443 there)
// and the closure's signature (func() (*http.Response, error) there,
// returning nil), plus the commas Go needs.
func TestYourAPIHandler_DownstreamFailure(t *testing.T) {
	// Create a new request
	req := httptest.NewRequest(http.MethodGet, "/your-api-endpoint", nil)

	// Record the response
	rec := httptest.NewRecorder()

	// Failure configuration
	cfg := FailureConfig{
		OutgoingNetwork: []OutgoingNetworkFailure{
			{
				Protocol:    "TCP",
				DestPort:    downstreamPort,
				FailureRate: 100,
			},
		},
	}

	// Wrap the actual handler call with Minderbinder. Because Minderbinder is injecting
	// failures into this process using eBPF, we don't need to elaborately craft stubs here;
	// we can setup the
	minderbinder := &Minderbinder{}
	minderbinder.WithFailures(cfg, func() {
		// Call the API handler
		YourAPIHandler(rec, req)
	})

	// We should get a 502 / bad gateway back
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "Downstream service failed\n", rec.Body.String())
}

// Not in the original project: the same handler without failures answers 200, so the
// 502 above is the failure's doing.
func TestYourAPIHandler_DownstreamUp(t *testing.T) {
	rec := httptest.NewRecorder()
	YourAPIHandler(rec, httptest.NewRequest(http.MethodGet, "/your-api-endpoint", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "pong\n", rec.Body.String())
}

// Not in the original project: the Go forms. A refused connect fails at once (the
// original project's drop waits for the handler's timeout), and Stats proves it fired.
// refuse acts on connect(): a connection the client keeps alive from an
// earlier request makes none, so close those first (drop rules need not:
// they take the packets of every socket of the process).
func TestYourAPIHandler_DownstreamRefused(t *testing.T) {
	rec := httptest.NewRecorder()
	client.CloseIdleConnections()
	t.Run("refused", func(t *testing.T) {
		h := Enable(t, fmt.Sprintf("tcp:%d:refuse", downstreamPort))
		YourAPIHandler(rec, httptest.NewRequest(http.MethodGet, "/your-api-endpoint", nil))
		if os.Geteuid() == 0 { // network counters are root's to read
			st, err := h.Stats()
			if err != nil || st[0].Faults != 1 {
				t.Errorf("Stats: %+v, %v; want one fault", st, err)
			}
		}
	})
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Equal(t, "Downstream service failed\n", rec.Body.String())
}
