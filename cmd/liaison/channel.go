package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
)

// adminCmd is `liaison admin agency create|list` and `liaison admin
// channel set|show`.
type adminCmd struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
}

const adminUsage = `usage: liaison admin agency create --db DSN [--keys DIR] [--packs DIR|--packs-only DIR] --name NAME --jurisdiction J --type TYPE
                                                   [--time-zone ZONE] [--no-local-law] [--promptly DURATION]
       liaison admin agency list --db DSN [--keys DIR] [--agency ID]
       liaison admin channel set --db DSN [--keys DIR] --agency ID --webhook URL     (secret: LIAISON_CHANNEL_SECRET or --secret-stdin)
       liaison admin channel set --db DSN [--keys DIR] --agency ID --smtp HOST:PORT --from ADDR --to ADDR[,ADDR...] [--smtp-user USER]
                                                   (password, with --smtp-user: LIAISON_CHANNEL_SECRET or --secret-stdin)
       liaison admin channel show --db DSN [--keys DIR] --agency ID`

func (c *adminCmd) run(ctx context.Context, args []string) error {
	if len(args) >= 2 && args[0] == "agency" && (args[1] == "create" || args[1] == "list") {
		return c.agency(ctx, args[1], args[2:])
	}
	if len(args) < 2 || args[0] != "channel" || (args[1] != "set" && args[1] != "show") {
		fmt.Fprintln(c.stderr, adminUsage)
		return exitError(2)
	}
	sub := args[1]
	fs := flag.NewFlagSet("admin channel "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	keyDir := fs.String("keys", "liaison-keys", "`DIR` of seal.key (or set LIAISON_SEAL_KEY): the channel's secret is sealed with it")
	agency := fs.String("agency", "", "the agency whose channel to set or show")
	webhook := fs.String("webhook", "", "set: the webhook's `URL`")
	smtpAddr := fs.String("smtp", "", "set: the SMTP server, `HOST:PORT`")
	from := fs.String("from", "", "set: the sender's address")
	to := fs.String("to", "", "set: the recipients, comma-separated")
	user := fs.String("smtp-user", "", "set: the SMTP login's user")
	secretStdin := fs.Bool("secret-stdin", false, "set: read the webhook's secret (or the SMTP password) from the first line of standard input instead of LIAISON_CHANNEL_SECRET")
	if err := fs.Parse(args[2:]); err != nil {
		return exitError(2)
	}
	if *agency == "" {
		fmt.Fprintln(c.stderr, adminUsage)
		return exitError(2)
	}
	var in desk.ChannelInput
	if sub == "set" {
		secret := c.getenv("LIAISON_CHANNEL_SECRET")
		if *secretStdin {
			line, err := bufio.NewReader(c.stdin).ReadString('\n')
			if err != nil && line == "" {
				return fmt.Errorf("admin channel set: read the secret from standard input: %w", err)
			}
			secret = strings.TrimRight(line, "\r\n")
		}
		switch {
		case *webhook != "" && *smtpAddr == "":
			in = desk.ChannelInput{Kind: "webhook", URL: *webhook, Secret: secret}
		case *smtpAddr != "" && *webhook == "":
			in = desk.ChannelInput{Kind: "email", SMTP: &liaison.SMTPSettings{Addr: *smtpAddr, From: *from, Username: *user}}
			if *to != "" {
				in.SMTP.To = strings.Split(*to, ",")
			}
			if *user != "" {
				in.Password = secret
			}
		default:
			return fmt.Errorf("admin channel set: give --webhook URL or --smtp HOST:PORT (one of them)")
		}
	}
	d, cli, closeStore, err := c.openDesk(ctx, *db, *keyDir, packsFlags{}, *agency)
	if err != nil {
		return err
	}
	defer closeStore()
	var v *desk.ChannelView
	if sub == "set" {
		v, err = d.SetChannel(ctx, cli, *agency, in)
	} else {
		v, err = d.AgencyChannel(ctx, cli, *agency)
	}
	if err != nil {
		return err
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// openDesk opens the desk over db with the law pf chooses, and returns it
// with the command line's actor: an administrator of every agency, or of
// the one agency names, whom the desk checks as it checks the API's
// callers.
func (c *adminCmd) openDesk(ctx context.Context, db, keyDir string, pf packsFlags, agency string) (*desk.Desk, liaison.Actor, func() error, error) {
	set, err := pf.load()
	if err != nil {
		return nil, liaison.Actor{}, nil, err
	}
	d, closeStore, err := openDesk(ctx, c.getenv, db, keyDir, set, time.Now)
	if err != nil {
		return nil, liaison.Actor{}, nil, err
	}
	return d, liaison.Actor{ID: "cli", Name: "command line", Role: liaison.RoleAdmin, Agency: agency}, closeStore, nil
}
