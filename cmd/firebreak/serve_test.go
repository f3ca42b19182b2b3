package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "firebreak test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t, t.TempDir())
	h := startHub(t, func(c *Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	url := strings.Replace(h.URL, "http://", "https://", 1)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", url+"/taxii2/", nil)
	req.Header.Set("Authorization", "Bearer "+tokAlice)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP to a TLS listener gets nothing useful.
	if resp, err := http.Get(h.URL + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served on the TLS listener")
		}
	}
}

func TestMetricsAndHealth(t *testing.T) {
	h := startHub(t, nil)
	alice := h.client(t, tokAlice)
	if _, err := alice.Collections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := do(t, "GET", h.URL+"/healthz", "", nil, nil).StatusCode; code != 200 {
		t.Errorf("healthz = %d", code)
	}
	if code := do(t, "GET", h.URL+"/readyz", "", nil, nil).StatusCode; code != 200 {
		t.Errorf("readyz = %d", code)
	}
	if code := do(t, "GET", h.URL+"/metrics", "Bearer "+tokAlice, nil, nil).StatusCode; code != 403 {
		t.Errorf("metrics for an analyst = %d, want 403", code)
	}
	resp := do(t, "GET", h.URL+"/metrics", "Bearer "+tokOperator, nil, nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`firebreak_http_requests_total{route="collections",code="200"} 1`, "# TYPE firebreak_http_request_duration_seconds histogram"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, b)
		}
	}
}

// TestGracefulShutdown checks that a stopping hub lets a request in flight finish and
// that what it acknowledged is there after a restart on the same data.
func TestGracefulShutdown(t *testing.T) {
	h := startHub(t, nil)
	ctx := context.Background()
	alice := h.client(t, tokAlice)
	inbox := collectionID(t, alice, "inbox")
	objs := make([]string, 2000)
	for i := range objs {
		objs[i] = indicator("indicator--"+uuidN(500000+i), "2024-01-01T00:00:00.000Z", "")
	}
	done := make(chan error, 1)
	go func() {
		st, err := alice.AddObjects(ctx, inbox, raws(objs...))
		if err == nil && st.SuccessCount != len(objs) {
			err = io.ErrUnexpectedEOF
		}
		done <- err
	}()
	h.stop()
	if err := <-done; err != nil {
		// Refused before it started is acceptable; cut off after it started is not, and
		// then the restart below finds a partial envelope.
		t.Logf("submission during shutdown: %v", err)
	}
	c := h.cfg
	h2, err := newHub(ctx, c, newLogger(c, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer h2.store.Close()
	p, err := h2.guard.PrincipalFor(ctx, "Acme Energy")
	if err != nil {
		t.Fatal(err)
	}
	page, err := h2.guard.Objects(withPrincipal(ctx, p), "mine", firebreakFilter(3000))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(page.Objects); n != 0 && n != len(objs) {
		t.Errorf("after shutdown %d of %d objects are stored: a partial envelope", n, len(objs))
	}
}

// TestServeBadCertificate checks that serve refuses a certificate it cannot load before
// it opens the store: the data directory is left as it was, with no hub in it.
func TestServeBadCertificate(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	missing := filepath.Join(dir, "missing.pem")
	_, _, err := cli(t, "", "serve", "--listen", "127.0.0.1:0", "--data", data, "--tls-cert", missing, "--tls-key", missing)
	if err == nil || !strings.Contains(err.Error(), "tls") || exitCode(err) != 1 {
		t.Fatalf("serve with a missing certificate: %v, want a tls error with exit status 1", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Errorf("serve with a missing certificate made the data directory (stat: %v)", err)
	}
}
