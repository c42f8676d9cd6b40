package liaison

import (
	"encoding/json"
	"fmt"
	"time"
)

// A Request is a decision request: one proposed action by one agency, at
// one instant, with the facts the law may turn on. Its JSON form is the
// contract in docs/facts.md (and shared/spec/request.schema.json).
//
// Field tags carry the contract: `json` names the field (CEL sees the same
// name), `liaison:"required"` marks a field that must be present,
// `liaison:"unknown"` marks a fact whose absence means "not known" (rules
// that depend on it make the outcome undetermined) rather than "none", and
// `liaison:"date"` marks a date written YYYY-MM-DD.
type Request struct {
	AsOf         time.Time       `json:"as_of" liaison:"required,when=as_of"`
	Jurisdiction Jurisdiction    `json:"jurisdiction" liaison:"required"`
	Agency       *Agency         `json:"agency,omitempty"`
	Action       Action          `json:"action" liaison:"required"`
	Request      *FederalRequest `json:"request,omitempty"`
	Subject      *Subject        `json:"subject,omitempty"`
	Agreements   []Agreement     `json:"agreements,omitempty"`
	Context      *Context        `json:"context,omitempty"`
}

// Jurisdiction is a path of lowercase segments, from "us" down: "us/ca",
// "us/ca/los-angeles-county", "us/ma/boston". Every prefix is a level.
type Jurisdiction string

// Agency describes the deciding agency.
type Agency struct {
	Type AgencyType `json:"type,omitempty"`
	Name string     `json:"name,omitempty"`
	// TimeZone is the IANA time zone the agency keeps ("America/Chicago"):
	// business days and hours, the calendar day of as_of and the dates
	// rules compare are counted in it. Empty: UTC.
	TimeZone string `json:"time_zone,omitempty"`
	// NoLocalLaw says the levels of the jurisdiction with no pack have no
	// law of their own (see law.Set.CheckJurisdiction).
	NoLocalLaw bool `json:"no_local_law,omitempty"`
}

// AgencyType is the kind of agency; some laws bind only some kinds.
type AgencyType string

// Enum lists the valid agency types.
func (AgencyType) Enum() []string {
	return []string{"police", "sheriff", "jail", "state_corrections", "court", "school_police", "probation", "state_police", "other"}
}

// Action is what the agency is asked, or proposes, to do.
type Action string

// The actions an agency may be asked to take.
const (
	HonorDetainer             Action = "honor_detainer"
	NotifyRelease             Action = "notify_release"
	TransferCustody           Action = "transfer_custody"
	ShareInfo                 Action = "share_info"
	AllowInterview            Action = "allow_interview"
	GrantAccess               Action = "grant_access"
	InquireStatus             Action = "inquire_status"
	ArrestCivil               Action = "arrest_civil"
	ArrestCriminalImmigration Action = "arrest_criminal_immigration"
	AssistOperation           Action = "assist_operation"
	Enter287g                 Action = "enter_287g"
	Perform287g               Action = "perform_287g"
	UseFederalInterpreter     Action = "use_federal_interpreter"

	// Terminate287g ends a 287(g) agreement: Fla. Stat. 908.11(3) (ch. 2025-1)
	// makes it need the State Board of Immigration Enforcement's approval;
	// the Illinois Keep Families Together Act (2019) bars remaining in one.
	Terminate287g Action = "terminate_287g"

	// EnterDetentionAgreement enters or renews an agreement to house or
	// detain people for federal civil immigration violations (an
	// intergovernmental service agreement or the like): RCW 10.93.160 and
	// RCW 43.17.420 ("immigration detention agreement"), Keep Washington
	// Working Act (2019); 5 ILCS 805/15(g) (Way Forward Act, 2021); ORS
	// 181A.829 (2021).
	EnterDetentionAgreement Action = "enter_detention_agreement"
)

// Enum lists the valid actions.
func (Action) Enum() []string {
	return []string{"honor_detainer", "notify_release", "transfer_custody", "share_info", "allow_interview",
		"grant_access", "inquire_status", "arrest_civil", "arrest_criminal_immigration", "assist_operation",
		"enter_287g", "perform_287g", "use_federal_interpreter",
		"enter_detention_agreement", "terminate_287g"}
}

// FederalRequest is what the federal side sent.
type FederalRequest struct {
	Kind               RequestKind `json:"kind,omitempty"`
	Form               Form        `json:"form,omitempty"`
	Issuer             Issuer      `json:"issuer,omitempty"`
	ReceivedAt         time.Time   `json:"received_at,omitzero" liaison:"when=event"`
	ProbableCauseBasis []PCBasis   `json:"probable_cause_basis,omitempty"`
	InfoRequested      []InfoItem  `json:"info_requested,omitempty"`
	HoldHoursRequested float64     `json:"hold_hours_requested,omitempty" liaison:"min=0"`
	Warrant            *Warrant    `json:"warrant,omitempty"`
	JudicialPCFinding  bool        `json:"judicial_probable_cause_determination,omitempty"`
	FederalFelonyWarr  bool        `json:"federal_felony_warrant,omitempty"`

	// Access is what an access request asks for: N.Y.C. Admin. Code 9-131
	// bars an ICE office on Department of Correction property; N.J. AG
	// Directive 2018-6 bars equipment, office space, databases and property
	// not open to the public.
	Access AccessKind `json:"access,omitempty"`

	// JudicialSubpoena: the request comes with a judicial subpoena issued in
	// a court proceeding, the one thing ORS 181A.823(1)(c) and 181A.826(3)
	// (Sanctuary Promise Act, 2021) let an Oregon agency answer.
	JudicialSubpoena bool `json:"judicial_subpoena,omitempty"`
}

// AccessKind is what federal officers ask to use or enter.
type AccessKind string

// Enum lists the valid access kinds.
func (AccessKind) Enum() []string {
	return []string{"office_space", "nonpublic_area", "database", "equipment", "other"}
}

// RequestKind is the kind of federal request.
type RequestKind string

// Enum lists the valid request kinds.
func (RequestKind) Enum() []string {
	return []string{"detainer", "notification_request", "transfer_request", "information_request", "interview_request", "access_request", "operation_request", "none"}
}

// Form is the federal form a request came on.
type Form string

// Enum lists the valid forms.
func (Form) Enum() []string {
	return []string{"I-247", "I-247D", "I-247N", "I-247X", "I-247A", "I-203", "other", "none"}
}

// Issuer is the federal agency that sent a request.
type Issuer string

// Enum lists the valid issuers.
func (Issuer) Enum() []string { return []string{"ICE", "CBP", "other_federal"} }

// PCBasis is a probable-cause box ticked on a detainer form.
type PCBasis string

// Enum lists the valid probable-cause bases.
func (PCBasis) Enum() []string {
	return []string{"final_order_of_removal", "pending_removal_proceedings", "biometric_match", "statements", "investigation_initiated", "other"}
}

// InfoItem is an item of information the federal side asks for.
type InfoItem string

// Enum lists the valid information items.
func (InfoItem) Enum() []string {
	return []string{"release_date", "release_time", "address", "contact", "immigration_status", "citizenship",
		"place_of_birth", "criminal_history", "booking_record", "custody_status", "court_dates", "probation_schedule"}
}

// Warrant is a warrant that accompanies a request.
type Warrant struct {
	Kind   WarrantKind `json:"kind,omitempty"`
	Form   string      `json:"form,omitempty"`
	Issuer string      `json:"issuer,omitempty"`
	Charge string      `json:"charge,omitempty"`
}

// WarrantKind says who signed a warrant and for what.
type WarrantKind string

// Enum lists the valid warrant kinds.
func (WarrantKind) Enum() []string {
	return []string{"none", "administrative", "judicial_civil", "judicial_criminal"}
}

// Subject holds the facts about the person the request concerns.
type Subject struct {
	Age            int         `json:"age,omitempty" liaison:"unknown,min=0,max=130"`
	Role           SubjectRole `json:"role,omitempty"`
	Custody        *Custody    `json:"custody,omitempty"`
	Convictions    []Offense   `json:"convictions,omitzero" liaison:"unknown,nopending"`
	PendingCharges []Offense   `json:"pending_charges,omitempty"`
	Flags          []Flag      `json:"flags,omitempty"`
	Consent        *Consent    `json:"consent,omitempty"`
	PublicInfo     []InfoItem  `json:"public_info,omitempty"`

	// RemovalOrderSignedByJudge: the person is subject to a final order of
	// removal signed by a judge (an immigration judge or a federal court),
	// not only one ICE says exists (N.J. AG Directive 2018-6, release
	// notifications and continued detention).
	RemovalOrderSignedByJudge bool `json:"removal_order_signed_by_judge,omitempty"`
}

// SubjectRole is the person's role in the agency's matter.
type SubjectRole string

// Enum lists the valid subject roles.
func (SubjectRole) Enum() []string {
	return []string{"arrestee", "inmate", "victim", "witness", "other"}
}

// Custody describes the person's custody.
type Custody struct {
	Status           CustodyStatus `json:"status,omitempty"`
	ReleaseReason    ReleaseReason `json:"release_reason,omitempty"`
	ScheduledRelease time.Time     `json:"scheduled_release,omitzero" liaison:"when=release"`
	HoldStartedAt    time.Time     `json:"hold_started_at,omitzero" liaison:"when=event"`
}

// CustodyStatus is where the person stands in custody.
type CustodyStatus string

// Enum lists the valid custody statuses.
func (CustodyStatus) Enum() []string {
	return []string{"in_custody", "eligible_for_release", "released", "not_in_custody"}
}

// ReleaseReason is why the person is, or will be, released.
type ReleaseReason string

// Enum lists the valid release reasons.
func (ReleaseReason) Enum() []string {
	return []string{"bail", "own_recognizance", "charges_dismissed", "acquitted", "sentence_served", "other"}
}

// Offense is a conviction or a pending charge.
type Offense struct {
	Offense      string       `json:"offense" liaison:"required,nonempty"`
	Jurisdiction Jurisdiction `json:"jurisdiction,omitempty"`
	Description  string       `json:"description,omitempty"`
	Level        Level        `json:"level,omitempty"`
	Date         time.Time    `json:"date,omitzero" liaison:"date,when=past"`
	Sentence     Sentence     `json:"sentence,omitempty"`
	Categories   []Category   `json:"categories,omitempty"`
	// Only for pending charges.
	ProbableCauseFinding bool `json:"probable_cause_finding,omitempty" liaison:"pending"`
	HeldToAnswer         bool `json:"held_to_answer,omitempty" liaison:"pending"`
}

// MarshalJSON writes Date as YYYY-MM-DD, as the contract reads it: it
// marshals JSONValue.
func (o Offense) MarshalJSON() ([]byte, error) { return json.Marshal(o.JSONValue()) }

// JSONValue is the value MarshalJSON marshals: the offense with Date as
// YYYY-MM-DD. Package ledger's canonical encoder writes it directly, rather
// than re-read MarshalJSON's output.
func (o Offense) JSONValue() any {
	var date string
	if !o.Date.IsZero() {
		date = o.Date.Format(time.DateOnly)
	}
	return StoredOffense{offenseFields(o), date}
}

// offenseFields are an Offense's fields without its methods.
type offenseFields Offense

// StoredOffense is an offense as its JSON has it: the fields, with the date
// as written (YYYY-MM-DD as MarshalJSON writes it, or RFC 3339). A JSON
// decoder fills it, and Offense makes the offense of it: UnmarshalJSON
// does so with encoding/json, and the desk's reading of stored records
// with encoding/json/v2.
type StoredOffense struct {
	offenseFields
	Date string `json:"date,omitempty"`
}

// Offense returns the offense, its date parsed.
func (s StoredOffense) Offense() (Offense, error) {
	o := Offense(s.offenseFields)
	if s.Date != "" {
		t, err := ParseInstant(s.Date)
		if err != nil {
			return Offense{}, fmt.Errorf("offense date: %w", err)
		}
		o.Date = t
	}
	return o, nil
}

// UnmarshalJSON reads what MarshalJSON writes (and RFC 3339 dates). It is
// for records the system stored; requests from outside go through Decode,
// which checks every field.
func (o *Offense) UnmarshalJSON(data []byte) error {
	var v StoredOffense
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	off, err := v.Offense()
	if err != nil {
		return err
	}
	*o = off
	return nil
}

// Level is an offence's grade.
type Level string

// Enum lists the valid levels.
func (Level) Enum() []string {
	return []string{"felony", "misdemeanor", "wobbler_misdemeanor", "infraction"}
}

// Sentence is the kind of sentence imposed.
type Sentence string

// Enum lists the valid sentences.
func (Sentence) Enum() []string {
	return []string{"state_prison", "county_jail", "probation", "fine", "other"}
}

// Category is a classification of an offence that jail systems record.
type Category string

// Enum lists the valid categories.
func (Category) Enum() []string {
	return []string{"serious_felony", "violent_felony", "state_prison_felony", "aggravated_felony", "dui",
		"domestic_violence", "sex_offense", "weapons", "drug_trafficking", "gang", "homicide", "assault",
		"battery", "robbery", "burglary", "theft", "fraud", "threats", "child_abuse", "human_trafficking",
		"kidnapping", "terrorism", "escape", "obstruction", "bribery", "stalking", "hate_crime", "prop47_reduced"}
}

// Flag is a status recorded about the person.
type Flag string

// Enum lists the valid flags.
func (Flag) Enum() []string {
	return []string{"sex_offender_registrant", "arson_registrant", "terrorist_watchlist", "gang_database",
		"prior_removal", "prior_removal_after_aggravated_felony"}
}

// Consent records the person's consent to an interview.
type Consent struct {
	Interview    ConsentKind `json:"interview,omitempty"`
	FormProvided bool        `json:"form_provided,omitempty"`
}

// ConsentKind is how the person consented, if at all.
type ConsentKind string

// Enum lists the valid kinds of consent.
func (ConsentKind) Enum() []string { return []string{"written", "oral", "refused", "none"} }

// Agreement is an agreement the agency has with the federal government.
type Agreement struct {
	Kind                          AgreementKind `json:"kind" liaison:"required"`
	Model                         Model287g     `json:"model,omitempty"`
	Active                        bool          `json:"active,omitempty"`
	PrimaryPurposeImmigration     bool          `json:"primary_purpose_immigration,omitempty"`
	DutiesPrimarilyNonImmigration bool          `json:"duties_primarily_non_immigration,omitempty"`

	// AttorneyGeneralApproved: the state Attorney General approved this
	// agreement in writing (N.J. AG Directive 2018-6, 2018 text: no 287(g)
	// agreement without it).
	AttorneyGeneralApproved bool `json:"attorney_general_approved,omitempty"`

	// TerminationApproved: the State Board of Immigration Enforcement
	// approved ending this 287(g) agreement (Fla. Stat. 908.11, ch. 2025-1).
	TerminationApproved bool `json:"termination_approved,omitempty"`
}

// AgreementKind is the kind of agreement.
type AgreementKind string

// Enum lists the valid agreement kinds.
func (AgreementKind) Enum() []string { return []string{"287g", "igsa", "reimbursement", "task_force"} }

// Model287g is the model of a 287(g) agreement.
type Model287g string

// Enum lists the valid 287(g) models.
func (Model287g) Enum() []string {
	return []string{"jail_enforcement", "task_force", "warrant_service"}
}

// Context says why and where the action is taken.
type Context struct {
	Purpose                         Purpose  `json:"purpose,omitempty"`
	Location                        Location `json:"location,omitempty"`
	DetectedDuringUnrelatedActivity bool     `json:"detected_during_unrelated_activity,omitempty"`

	// SchoolResourceOfficer: the officer acts in the capacity of a school
	// resource officer (RCW 10.93.160, Keep Washington Working Act, 2019).
	SchoolResourceOfficer bool `json:"school_resource_officer,omitempty"`
	// AttendingCourt: the person is going to, attending or returning from a
	// court proceeding or court services (RCW 2.28.320, Courts Open to All
	// Act, 2020; N.Y. Civil Rights Law 28, Protect Our Courts Act, 2020;
	// ORS 181A.828, Sanctuary Promise Act, 2021).
	AttendingCourt bool `json:"attending_court,omitempty"`
	// ExigentCircumstances: federal officers need help in an emergency
	// (N.J. AG Directive 2018-6: officers must assist then).
	ExigentCircumstances bool `json:"exigent_circumstances,omitempty"`
}

// Purpose is why the action is taken.
type Purpose string

// Enum lists the valid purposes.
func (Purpose) Enum() []string {
	return []string{"immigration_enforcement", "criminal_investigation", "u_t_visa_certification", "firearms_check", "other",
		// Telling a person of the right to contact the consulate (Vienna
		// Convention): an exception to 5 ILCS 805/15(e) (2021).
		"consular_notification",
		// Deciding eligibility for a benefit the person seeks: an exception
		// to ORS 180.805 (2017) and ORS 181A.823(1)(b) (2021).
		"benefit_eligibility",
		// Answering a call for help or an officer-safety emergency that
		// involves federal agents (a 911 call): not immigration enforcement.
		"emergency_response"}
}

// Location is where the action is taken.
type Location string

// Enum lists the valid locations.
func (Location) Enum() []string { return []string{"jail", "courthouse", "school", "street", "other"} }
