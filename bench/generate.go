package bench

import (
	"math/rand/v2"
	"slices"
	"time"

	"liaison"
)

// Jurisdictions are the jurisdictions the generator draws from: each level
// the benchmark packs cover, a county of the state without packs of its
// own, and a state without packs.
var Jurisdictions = []liaison.Jurisdiction{"us", "us/ca", "us/ca/bayview", "us/ca/alameda-county", "us/tx"}

// MaxConvictions is the most convictions a generated person has. The Cedar
// policy has one slot per conviction (Cedar cannot quantify over a set).
const MaxConvictions = 3

// A Generator produces varied decision requests over the benchmark policy's
// request space: dates on both sides of every version boundary, warrants,
// convictions near the 5-, 10- and 15-year marks, listed and nearly listed
// offence codes, information items, and jurisdictions at every level.
//
// Every request carries subject.convictions (possibly empty), so no
// decision is undetermined: the peers have no such outcome.
type Generator struct {
	r *rand.Rand
}

// NewGenerator returns a generator whose sequence is fixed by seed.
func NewGenerator(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, 0x6c6961697361))}
}

// Requests returns n requests from a new generator seeded with seed.
func Requests(seed uint64, n int) []*liaison.Request {
	g := NewGenerator(seed)
	out := make([]*liaison.Request, n)
	for i := range out {
		out[i] = g.Request()
	}
	return out
}

// packedRequests returns, packed, the n requests Requests(seed, n) returns.
func packedRequests(seed uint64, n int) []packed {
	g := NewGenerator(seed)
	out := make([]packed, n)
	for i := range out {
		out[i] = g.packed()
	}
	return out
}

var (
	// Weighted by repetition.
	actions = []liaison.Action{
		liaison.HonorDetainer, liaison.HonorDetainer, liaison.HonorDetainer,
		liaison.NotifyRelease, liaison.NotifyRelease, liaison.NotifyRelease,
		liaison.TransferCustody, liaison.TransferCustody, liaison.TransferCustody,
		liaison.ShareInfo, liaison.ShareInfo,
		liaison.AllowInterview, liaison.GrantAccess, liaison.InquireStatus, liaison.ArrestCivil,
	}
	jurisdictionWeights = []int{1, 3, 4, 1, 1} // per Jurisdictions entry

	requestKinds = []liaison.RequestKind{"detainer", "notification_request", "transfer_request", "information_request", "interview_request", "access_request", ""}
	// The kind of request that usually comes with each action.
	kindFor = map[liaison.Action]liaison.RequestKind{
		liaison.HonorDetainer: "detainer", liaison.NotifyRelease: "notification_request",
		liaison.TransferCustody: "transfer_request", liaison.ShareInfo: "information_request",
		liaison.AllowInterview: "interview_request", liaison.GrantAccess: "access_request",
	}
	forms        = []liaison.Form{"I-247A", "I-247D", "I-247N", "I-203", "other", ""}
	issuers      = []liaison.Issuer{"ICE", "ICE", "CBP", "other_federal", ""}
	pcBases      = []liaison.PCBasis{"final_order_of_removal", "pending_removal_proceedings", "biometric_match", "statements"}
	infoItems    = []liaison.InfoItem{"immigration_status", "citizenship", "address", "contact", "release_date", "release_time", "criminal_history", "booking_record"}
	publicItems  = []liaison.InfoItem{"release_date", "address", "contact", "immigration_status", "release_time", "criminal_history"}
	warrantKinds = []liaison.WarrantKind{"none", "administrative", "administrative", "judicial_civil", "judicial_criminal", "judicial_criminal", "judicial_criminal", ""}
	levels       = []liaison.Level{"felony", "felony", "misdemeanor", "wobbler_misdemeanor", "infraction"}
	categories   = []liaison.Category{"serious_felony", "violent_felony", "dui", "theft", "assault", "drug_trafficking"}
	flags        = []liaison.Flag{"terrorist_watchlist", "gang_database", "prior_removal"}
	consentKinds = []liaison.ConsentKind{"written", "written", "oral", "refused", "none", ""}
	custodies    = []liaison.CustodyStatus{"in_custody", "eligible_for_release", "released", "not_in_custody"}
	purposes     = []liaison.Purpose{"immigration_enforcement", "immigration_enforcement", "criminal_investigation", "u_t_visa_certification", "other", ""}
	locations    = []liaison.Location{"jail", "jail", "courthouse", "courthouse", "courthouse", "street", "other", ""}
	agencyTypes  = []liaison.AgencyType{"police", "sheriff", "jail", "probation"}
	offenseCodes = []string{
		// Listed, as written and as subsections.
		"CA PC 187", "CA PC 187(a)", "CA PC 211", "CA PC 245(a)(1)", "CA PC 273.5", "CA PC 273.5(a)", "CA VC 23153", "CA VC 23153(b)",
		// Near misses: a listed code's prefix, but not the code or a subsection.
		"CA PC 2450", "CA PC 245.5", "CA PC 18", "CA PC 2111", "CA PC 273.55", "CA VC 2315",
		// Unlisted.
		"CA PC 459", "CA PC 484", "CA HS 11350", "CA VC 23152", "CA PC 666",
	}
	// Days on which a version starts or ends.
	boundaries = []time.Time{day(2014, 1, 1), day(2016, 6, 1), day(2018, 1, 1)}
	// Leap-day cases for "within N years".
	leapAsOf  = []time.Time{day(2017, 2, 28), day(2017, 3, 1), day(2021, 2, 28), day(2021, 3, 1), day(2020, 2, 29), day(2024, 2, 29), day(2023, 3, 1)}
	leapDates = []time.Time{day(2004, 2, 29), day(2008, 2, 29), day(2012, 2, 29), day(2016, 2, 29), day(2011, 2, 28), day(2013, 3, 1)}
	spanStart = day(2012, 1, 1)
	spanDays  = int(day(2026, 1, 1).Sub(spanStart) / (24 * time.Hour))
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// idx draws an index into a list of n items.
func idx(r *rand.Rand, n int) uint8 { return uint8(r.IntN(n)) }

// some draws up to len(dst) distinct indexes into a list of n items, in a
// random order, and returns how many it drew.
func some(r *rand.Rand, n int, dst []uint8) uint8 {
	k := r.IntN(len(dst) + 1)
	var perm [32]uint8
	for i := range n {
		perm[i] = uint8(i)
	}
	for i := range k { // a partial Fisher-Yates shuffle
		j := i + r.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
		dst[i] = perm[i]
	}
	return uint8(k)
}

// A packed request is a generated request held without pointers, as
// indexes into the generator's lists, so that BenchmarkBulkReplay can keep
// a million of them in memory without giving the garbage collector a
// gigabyte of pointers to scan on every cycle (which it would then charge
// to the engine). Zero in an optional field means absent, n means item n-1.
type packed struct {
	asOf                 int64 // Unix seconds
	jurisdiction, action uint8
	agency               uint8
	request              bool
	kind, form, issuer   uint8
	pc                   [2]uint8
	nPC                  uint8
	info                 [3]uint8
	nInfo                uint8
	judicialPC           bool
	warrant              uint8
	convictions          [MaxConvictions]packedOffense
	nConvictions         uint8
	flags                [1]uint8
	nFlags               uint8
	public               [3]uint8
	nPublic              uint8
	custody, consent     uint8
	formProvided         bool
	context              bool
	purpose, location    uint8
}

type packedOffense struct {
	date        int64 // Unix seconds
	code, level uint8
	cats        [2]uint8
	nCats       uint8
}

// Request returns the next request.
func (g *Generator) Request() *liaison.Request {
	p := g.packed()
	return p.build(new(buffer))
}

func (g *Generator) packed() packed {
	r := g.r
	var p packed
	p.jurisdiction = g.jurisdiction()
	p.action = idx(r, len(actions))
	leap := r.IntN(30) == 0
	var asOfDay time.Time
	switch {
	case leap:
		asOfDay = leapAsOf[r.IntN(len(leapAsOf))]
	case r.IntN(10) < 3:
		asOfDay = boundaries[r.IntN(len(boundaries))].AddDate(0, 0, r.IntN(2)-1)
	default:
		asOfDay = spanStart.AddDate(0, 0, r.IntN(spanDays))
	}
	p.asOf = asOfDay.Unix() + int64(r.IntN(86400))
	if r.IntN(4) > 0 {
		p.agency = 1 + idx(r, len(agencyTypes))
	}

	if r.IntN(10) > 0 {
		p.request = true
		kind, ok := kindFor[actions[p.action]]
		if !ok || r.IntN(3) == 0 {
			p.kind = idx(r, len(requestKinds))
		} else {
			p.kind = uint8(slices.Index(requestKinds, kind))
		}
		p.form = idx(r, len(forms))
		p.issuer = idx(r, len(issuers))
		p.nPC = some(r, len(pcBases), p.pc[:])
		p.nInfo = some(r, len(infoItems), p.info[:])
		p.judicialPC = r.IntN(7) == 0
		if r.IntN(5) > 1 {
			p.warrant = 1 + idx(r, len(warrantKinds))
		}
	}

	p.nConvictions = uint8(r.IntN(MaxConvictions + 1))
	p.nFlags = some(r, len(flags), p.flags[:])
	p.nPublic = some(r, len(publicItems), p.public[:])
	p.custody = idx(r, len(custodies))
	for i := range p.nConvictions {
		p.convictions[i] = g.conviction(asOfDay, leap)
	}
	if r.IntN(2) == 0 {
		p.consent = 1 + idx(r, len(consentKinds))
		p.formProvided = r.IntN(3) > 0
	}

	if r.IntN(7) > 0 {
		p.context = true
		p.purpose = idx(r, len(purposes))
		p.location = idx(r, len(locations))
	}
	return p
}

func (g *Generator) jurisdiction() uint8 {
	total := 0
	for _, w := range jurisdictionWeights {
		total += w
	}
	n := g.r.IntN(total)
	for i, w := range jurisdictionWeights {
		if n < w {
			return uint8(i)
		}
		n -= w
	}
	panic("unreachable")
}

// conviction returns a conviction dated on or before asOf, often within a
// day of the 5-, 10- or 15-year mark.
func (g *Generator) conviction(asOf time.Time, leap bool) packedOffense {
	r := g.r
	var date time.Time
	switch {
	case leap:
		date = leapDates[r.IntN(len(leapDates))]
	case r.IntN(5) < 2:
		years := []int{5, 10, 15}[r.IntN(3)]
		date = asOf.AddDate(-years, 0, r.IntN(3)-1)
	default:
		date = asOf.AddDate(0, 0, -r.IntN(25*366))
	}
	o := packedOffense{date: date.Unix(), code: idx(r, len(offenseCodes)), level: idx(r, len(levels))}
	o.nCats = some(r, len(categories), o.cats[:])
	return o
}

// A buffer holds everything one request points to, so that building a
// request takes one allocation, or none when the buffer is reused.
type buffer struct {
	req         liaison.Request
	agency      liaison.Agency
	fr          liaison.FederalRequest
	warrant     liaison.Warrant
	sub         liaison.Subject
	custody     liaison.Custody
	consent     liaison.Consent
	cx          liaison.Context
	pc          [2]liaison.PCBasis
	info        [3]liaison.InfoItem
	convictions [MaxConvictions]liaison.Offense
	cats        [MaxConvictions][2]liaison.Category
	flags       [1]liaison.Flag
	public      [3]liaison.InfoItem
}

// build writes the request into b, overwriting what b held, and returns it.
func (p *packed) build(b *buffer) *liaison.Request {
	b.req = liaison.Request{
		AsOf:         time.Unix(p.asOf, 0).UTC(),
		Jurisdiction: Jurisdictions[p.jurisdiction],
		Action:       actions[p.action],
	}
	if p.agency > 0 {
		b.agency = liaison.Agency{Type: agencyTypes[p.agency-1]}
		b.req.Agency = &b.agency
	}
	if p.request {
		b.fr = liaison.FederalRequest{
			Kind:               requestKinds[p.kind],
			Form:               forms[p.form],
			Issuer:             issuers[p.issuer],
			ProbableCauseBasis: pick(b.pc[:0], pcBases, p.pc[:p.nPC]),
			InfoRequested:      pick(b.info[:0], infoItems, p.info[:p.nInfo]),
			JudicialPCFinding:  p.judicialPC,
		}
		if p.warrant > 0 {
			b.warrant = liaison.Warrant{Kind: warrantKinds[p.warrant-1]}
			b.fr.Warrant = &b.warrant
		}
		b.req.Request = &b.fr
	}
	b.custody = liaison.Custody{Status: custodies[p.custody]}
	b.sub = liaison.Subject{
		// Never nil: an empty list says "no convictions", which keeps
		// every decision determined.
		Convictions: b.convictions[:p.nConvictions],
		Flags:       pick(b.flags[:0], flags, p.flags[:p.nFlags]),
		PublicInfo:  pick(b.public[:0], publicItems, p.public[:p.nPublic]),
		Custody:     &b.custody,
	}
	for i, c := range p.convictions[:p.nConvictions] {
		b.convictions[i] = liaison.Offense{
			Offense:    offenseCodes[c.code],
			Level:      levels[c.level],
			Date:       time.Unix(c.date, 0).UTC(),
			Categories: pick(b.cats[i][:0], categories, c.cats[:c.nCats]),
		}
	}
	if p.consent > 0 {
		b.consent = liaison.Consent{Interview: consentKinds[p.consent-1], FormProvided: p.formProvided}
		b.sub.Consent = &b.consent
	}
	b.req.Subject = &b.sub
	if p.context {
		b.cx = liaison.Context{Purpose: purposes[p.purpose], Location: locations[p.location]}
		b.req.Context = &b.cx
	}
	return &b.req
}

// pick appends the items of xs at the indexes ix to dst, or returns nil
// when there are none (an absent list, as the JSON decoder gives).
func pick[T any](dst, xs []T, ix []uint8) []T {
	if len(ix) == 0 {
		return nil
	}
	for _, i := range ix {
		dst = append(dst, xs[i])
	}
	return dst
}
