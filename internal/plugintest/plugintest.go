// Package plugintest starts a Pulumi plugin binary (a policy pack, the
// component package's provider) as the engine does and connects to it.
// Tests only; the program never imports it.
package plugintest

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Start runs the plugin bin as the engine does, with the engine's address
// as its argument (which a policy pack does not dial), reads the port it
// prints first and connects to it. The plugin is stopped when the test
// ends, and its stderr logged if the test failed.
func Start(t testing.TB, bin string) *grpc.ClientConn {
	t.Helper()
	cmd := exec.Command(bin, "127.0.0.1:1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s stderr:\n%s", bin, stderr.String())
		}
	})
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	select {
	case p := <-port:
		conn, err := grpc.NewClient("127.0.0.1:"+p, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		return conn
	case <-time.After(time.Minute):
		t.Fatalf("%s printed no port within a minute; stderr:\n%s", bin, stderr.String())
		return nil
	}
}
