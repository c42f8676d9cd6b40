package notice_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"liaison/notice"
)

func Example() {
	la, _ := time.LoadLocation("America/Los_Angeles")
	var b strings.Builder
	err := notice.Render(&b, "ca-request-copy", "es", notice.Data{
		Person: "Ana Pérez", Booking: "B-1024", Agency: "Los Angeles County Jail",
		Request: notice.Request{Kind: "detainer", Form: "I-247A", Issuer: "ICE", Received: time.Date(2026, 12, 2, 17, 30, 0, 0, time.UTC)},
		Intent:  notice.Decline, Citation: "Cal. Gov. Code 7283.1(b)", Location: la,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "notice-intent") || strings.Contains(line, "Recibida") || strings.Contains(line, "<cite>") {
			fmt.Println(line)
		}
	}
	// Output:
	// <dt>Recibida</dt><dd>2 de diciembre de 2026, 09:30 PST</dd>
	// <div class="notice-intent"><p><strong>Lo que hará la agencia:</strong> Los Angeles County Jail no tiene la intención de cumplir con esta solicitud.</p>
	// <p><strong>Fundamento legal:</strong> <cite>Cal. Gov. Code 7283.1(b)</cite></p>
}
