#!/usr/bin/env bash
# A Los Angeles County jail's case, from the federal request to the person's
# release, through the API of a running demo (`go run ./cmd/liaison demo`):
#
#   examples/la-case/run.sh http://127.0.0.1:8080 <clerk token> <admin token>
#
# Each step prints what the desk answered. The case is the one of desk's
# TestLosAngelesCaseDuties: a detainer for a person booked on a misdemeanor,
# an old felony conviction found later, an interview refused and then
# allowed after written consent, a release notification, and the release.
set -euo pipefail
base=${1:?base URL}; clerk=${2:?clerk token}; admin=${3:?admin token}
here=$(dirname "$0")
call() { # call TOKEN METHOD PATH [BODY-FILE|-]
  local args=(-sS -H "Authorization: Bearer $1" -X "$2" "$base$3")
  [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "@$4")
  curl "${args[@]}"
}
id() { grep -o "\"id\":\"$1_[0-9a-f]*\"" | head -n 1 | cut -d'"' -f4; } # the first id with prefix $1
step() { printf '\n== %s\n' "$*" >&2; }

step "an agency: the Los Angeles County jail (no county pack: California and federal law apply)"
agency=$(call "$admin" POST /v1/agencies "$here/agency.json" | tee /dev/stderr | id agy)
step "the person, booked on a misdemeanor"
sed "s/AGENCY/$agency/" "$here/person.json" | call "$clerk" POST /v1/people - | tee /dev/stderr >/dev/null
person=$(call "$clerk" GET "/v1/people?agency=$agency&booking=LA-2291" | id per)
step "the detainer: hold, notify release, interview — each decided"
request=$(sed -e "s/AGENCY/$agency/" -e "s/PERSON/$person/" "$here/detainer.json" | call "$clerk" POST /v1/requests - | tee /dev/stderr | id req)
step "a records check finds a 2012 robbery conviction: every action decided again"
call "$clerk" POST "/v1/requests/$request/facts" "$here/conviction.json" >&2
step "the interview, asked for before consent: refused"
sed "s/REQUEST/$request/" "$here/interview.json" | call "$clerk" POST /v1/actions - >&2
step "the person signs the TRUTH Act consent form"
call "$clerk" POST "/v1/requests/$request/facts" "$here/consent.json" >&2
given() { # given OBLIGATION: record the open duty of that obligation as done
  local duty
  duty=$(call "$clerk" GET "/v1/duties?agency=$agency&status=open" | grep -o "\"id\":\"duty_[0-9a-f]*\"[^}]*\"obligation\":\"$1" | id duty)
  call "$clerk" POST "/v1/duties/$duty/done" "$here/given.json" >&2
}
step "the notices the TRUTH Act asks for, given and recorded"
given us-ca-truth-act/copy-of-request
given us-ca-truth-act/consent-form
step "the interview again: allowed (done in person, no outbound channel)"
sed "s/REQUEST/$request/" "$here/interview.json" | call "$clerk" POST /v1/actions - >&2
step "the release notification (done by phone)"
sed "s/REQUEST/$request/" "$here/notify.json" | call "$clerk" POST /v1/actions - >&2
step "the notice of the notification to the person, given"
given us-ca-truth-act/release-notice-to-person
step "the release"
sed -e "s/PERSON/$person/" -e "s/AT/$(date -u +%Y-%m-%dT%H:%M:%SZ)/" "$here/released.json" | call "$clerk" POST /v1/custody-events - >&2
step "the whole case"
call "$clerk" GET "/v1/requests/$request"
echo
