# The benchmark policy (bench/README.md) in Rego: the same rules as the packs
# in testdata/packs and the Cedar policy in testdata/policy.cedar. Change all
# three together; TestDifferential checks that they agree.
#
# Query: data.liaison.bench.decision -> {"outcome": ..., "decisive": {...}}.
#
# Input (built by opaInput in opa_test.go): the request's JSON shape with
# every field present (empty strings, empty arrays, false), and dates as
# integers yyyymmdd in UTC. "Within N years" is input.as_of - c.date < N*10000,
# which is exact for whole calendar years (see README).
package liaison.bench

# ---- Levels of the request's jurisdiction and versions in force ----

federal if input.jurisdiction == "us"

federal if startswith(input.jurisdiction, "us/")

california if input.jurisdiction == "us/ca"

california if startswith(input.jurisdiction, "us/ca/")

bayview if input.jurisdiction == "us/ca/bayview"

bayview if startswith(input.jurisdiction, "us/ca/bayview/")

federal_1996 if {
	federal
	input.as_of >= 19960930
}

ca_2014 if {
	california
	input.as_of >= 20140101
	input.as_of <= 20171231
}

ca_2018 if {
	california
	input.as_of >= 20180101
}

bayview_2016 if {
	bayview
	input.as_of >= 20160601
}

# ---- Offence lists: a listed code matches itself and its subsections ----

trust_act_offenses := {
	"categories": {"serious_felony", "violent_felony"},
	"codes": {"CA PC 187", "CA PC 211"},
	"prefixes": ["CA PC 187(", "CA PC 211("],
}

offenses_7282_5 := {
	"categories": {"serious_felony", "violent_felony"},
	"codes": {"CA PC 187", "CA PC 211", "CA PC 245", "CA PC 273.5", "CA VC 23153"},
	"prefixes": ["CA PC 187(", "CA PC 211(", "CA PC 245(", "CA PC 273.5(", "CA VC 23153("],
}

listed(c, list) if {
	some cat in c.categories
	cat in list.categories
}

listed(c, list) if c.offense in list.codes

listed(c, list) if {
	some p in list.prefixes
	startswith(c.offense, p)
}

# ---- us-bench-federal, version 1996 ----

status_exchange if {
	federal_1996
	count(input.request.info_requested) > 0
	every i in input.request.info_requested {
		i in {"immigration_status", "citizenship"}
	}
}

permit contains "us-bench-federal/status-exchange" if {
	input.action == "share_info"
	status_exchange
}

judicial_probable_cause if {
	federal_1996
	input.request.judicial_probable_cause_determination
}

permit contains "us-bench-federal/judicial-probable-cause" if {
	input.action == "honor_detainer"
	judicial_probable_cause
}

forbid contains "us-bench-federal/hold-needs-probable-cause" if {
	input.action == "honor_detainer"
	federal_1996
	count(input.request.probable_cause_basis) == 0
	not judicial_probable_cause
}

require contains "us-bench-federal/transfer-on-criminal-warrant" if {
	input.action == "transfer_custody"
	federal_1996
	input.request.kind == "transfer_request"
	input.request.warrant.kind == "judicial_criminal"
}

# ---- us-ca-bench-values-act, version 2014 ----

hold_listed_offense_2014 if {
	ca_2014
	some c in input.subject.convictions
	listed(c, trust_act_offenses)
}

hold_listed_offense_2014 if {
	ca_2014
	some c in input.subject.convictions
	c.level == "felony"
	input.as_of - c.date < 50000
}

permit contains "us-ca-bench-values-act/hold-listed-offense" if {
	input.action == "honor_detainer"
	hold_listed_offense_2014
}

forbid contains "us-ca-bench-values-act/no-holds" if {
	input.action == "honor_detainer"
	ca_2014
	not hold_listed_offense_2014
}

# ---- us-ca-bench-values-act, version 2018 ----

judicial_warrant_2018 if {
	ca_2018
	input.request.warrant.kind == "judicial_criminal"
}

permit contains "us-ca-bench-values-act/judicial-warrant" if {
	input.action == "honor_detainer"
	judicial_warrant_2018
}

forbid contains "us-ca-bench-values-act/no-holds" if {
	input.action == "honor_detainer"
	ca_2018
	not judicial_warrant_2018
}

notify_listed_2018 if {
	ca_2018
	some c in input.subject.convictions
	listed(c, offenses_7282_5)
	input.as_of - c.date < 150000
}

notify_public_2018 if {
	ca_2018
	"release_date" in input.subject.public_info
}

permit contains "us-ca-bench-values-act/notify-listed" if {
	input.action == "notify_release"
	notify_listed_2018
}

permit contains "us-ca-bench-values-act/notify-public" if {
	input.action == "notify_release"
	notify_public_2018
}

forbid contains "us-ca-bench-values-act/no-notify" if {
	input.action == "notify_release"
	ca_2018
	not notify_listed_2018
	not notify_public_2018
}

# Preempted (void) when the federal status-exchange rule holds.
forbid contains "us-ca-bench-values-act/no-enforcement-sharing" if {
	input.action == "share_info"
	ca_2018
	input.context.purpose == "immigration_enforcement"
	not status_exchange
}

personal_info_public_2018 if {
	ca_2018
	every i in input.request.info_requested {
		i in input.subject.public_info
	}
}

permit contains "us-ca-bench-values-act/personal-info-public" if {
	input.action == "share_info"
	personal_info_public_2018
}

forbid contains "us-ca-bench-values-act/no-personal-info" if {
	input.action == "share_info"
	ca_2018
	some i in input.request.info_requested
	i in {"address", "contact", "release_date", "release_time"}
	not personal_info_public_2018
	not status_exchange
}

transfer_judicial_2018 if {
	ca_2018
	input.request.warrant.kind in {"judicial_criminal", "judicial_civil"}
}

transfer_judicial_2018 if {
	ca_2018
	input.request.judicial_probable_cause_determination
}

permit contains "us-ca-bench-values-act/transfer-judicial" if {
	input.action == "transfer_custody"
	transfer_judicial_2018
}

forbid contains "us-ca-bench-values-act/no-transfer" if {
	input.action == "transfer_custody"
	ca_2018
	not transfer_judicial_2018
}

interview_consent_2018 if {
	ca_2018
	input.subject.consent.form_provided
	input.subject.consent.interview == "written"
}

permit contains "us-ca-bench-values-act/interview-consent" if {
	input.action == "allow_interview"
	interview_consent_2018
}

forbid contains "us-ca-bench-values-act/no-interview-without-consent" if {
	input.action == "allow_interview"
	ca_2018
	not interview_consent_2018
}

# ---- us-ca-bayview-ordinance, version 2016 ----

notify_violent_felony_2016 if {
	bayview_2016
	some c in input.subject.convictions
	"violent_felony" in c.categories
	input.as_of - c.date < 100000
}

permit contains "us-ca-bayview-ordinance/notify-violent-felony" if {
	input.action == "notify_release"
	notify_violent_felony_2016
}

forbid contains "us-ca-bayview-ordinance/no-enforcement-notify" if {
	input.action == "notify_release"
	bayview_2016
	input.context.purpose == "immigration_enforcement"
	not notify_violent_felony_2016
}

forbid contains "us-ca-bayview-ordinance/no-courthouse-transfer" if {
	input.action == "transfer_custody"
	bayview_2016
	input.context.location == "courthouse"
}

access_judicial_warrant_2016 if {
	bayview_2016
	input.request.warrant.kind in {"judicial_criminal", "judicial_civil"}
}

permit contains "us-ca-bayview-ordinance/access-judicial-warrant" if {
	input.action == "grant_access"
	access_judicial_warrant_2016
}

forbid contains "us-ca-bayview-ordinance/no-access" if {
	input.action == "grant_access"
	bayview_2016
	not access_judicial_warrant_2016
}

permit contains "us-ca-bayview-ordinance/hold-watchlist" if {
	input.action == "honor_detainer"
	bayview_2016
	"terrorist_watchlist" in input.subject.flags
}

# ---- Combining (docs/semantics.md, reduced to this policy) ----
#
# No rule here is defeated other than by an exception of its own version,
# and the only preempting rule is written into the rules it voids, so the
# outcome is: a require and a forbid -> conflict; a forbid -> forbidden;
# a require -> required; otherwise permitted.

outcome := "conflict" if {
	count(forbid) > 0
	count(require) > 0
} else := "forbidden" if {
	count(forbid) > 0
} else := "required" if {
	count(require) > 0
} else := "permitted"

decisive := forbid | require if outcome == "conflict"

decisive := forbid if outcome == "forbidden"

decisive := require if outcome == "required"

decisive := permit if outcome == "permitted"

decision := {"outcome": outcome, "decisive": decisive}
