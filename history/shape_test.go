package history

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "write shape.json from ../shared/data")

// dataDir finds ../shared/data from the package's directory, in the
// project's checkout or a worktree beside it.
func dataDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("LIAISON_SHARED_DATA"), "../../shared/data", "../../../shared/data"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "travis-county-ice-detainers", "SOURCE.md")); err == nil {
			return d
		}
	}
	if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
		t.Fatal("../shared/data not found (set LIAISON_SHARED_DATA); LIAISON_REQUIRE_ALL=1")
	}
	t.Skip("../shared/data not found: set LIAISON_SHARED_DATA to the folder of the public datasets")
	return ""
}

// TestShape derives the generator's distributions from the datasets and
// checks shape.json holds them (with -update, writes it).
func TestShape(t *testing.T) {
	dir := dataDir(t)
	got := derive(t, dir)
	if *update {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("shape.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := LoadShape()
	if err != nil {
		t.Fatal(err)
	}
	w, _ := json.MarshalIndent(want, "", "  ")
	g, _ := json.MarshalIndent(got, "", "  ")
	if string(w) != string(g) {
		t.Errorf("shape.json is not what the data give (go test -run TestShape -update); derived:\n%s", g)
	}
}

func derive(t *testing.T, dir string) *Shape {
	s := &Shape{Sources: map[string]string{
		"detainer_share":     "pierce-county-jail-ice-holds/reference/descriptive_stats.csv: mean of imm_hold over 29,312 bookings (Pierce County, WA, 2016-2018)",
		"years":              "npr-ice-detainers-2007-2015/aggregates/all_detainers_by_year.csv, 2012-2015, 2015 annualized (data end 2015-07-19); later years carry 2015's weight",
		"offences":           "travis-county-ice-detainers/ice_detainer_bookings_redacted.csv: most serious non-detainer charge of each booking 2012-2016, charge literals bucketed (see bucket in shape_test.go)",
		"custody_days":       "travis-county-ice-detainers: days from booking date to the 4200 ICE DETAINER line's disposition date, bookings 2012-2016",
		"outcomes":           "travis-county-ice-detainers: disposition type of the 4200 ICE DETAINER lines, bookings 2012-2016, grouped",
		"notification_share": "npr-ice-detainers-2007-2015/aggregates/detainers_by_type_and_year.csv: I247N among I247D and I247N, 2015 (the first year of both)",
		"release_reasons":    "pierce-county-jail-ice-holds/reference/release_dispositions.csv, grouped into liaison's release reasons",
	}, Years: map[string]float64{}}

	// Detainer share.
	for _, row := range readCSV(t, filepath.Join(dir, "pierce-county-jail-ice-holds/reference/descriptive_stats.csv")) {
		if row[0] == "imm_hold" {
			s.DetainerShare = round(num(t, row[2]))
		}
	}
	// Years.
	counts := map[int]float64{}
	for _, row := range readCSV(t, filepath.Join(dir, "npr-ice-detainers-2007-2015/aggregates/all_detainers_by_year.csv"))[1:] {
		counts[int(num(t, row[0]))] = num(t, row[1])
	}
	counts[2015] *= 365.0 / float64(time.Date(2015, 7, 19, 0, 0, 0, 0, time.UTC).YearDay())
	for y := 2012; y <= 2015; y++ {
		s.Years[strconv.Itoa(y)] = round(counts[y] / counts[2012])
	}
	// Notification share.
	forms := map[string]map[string]float64{}
	for _, row := range readCSV(t, filepath.Join(dir, "npr-ice-detainers-2007-2015/aggregates/detainers_by_type_and_year.csv"))[1:] {
		if forms[row[0]] == nil {
			forms[row[0]] = map[string]float64{}
		}
		forms[row[0]][strings.Fields(row[1])[0]] += num(t, row[2])
	}
	s.NotificationShare = round(forms["2015"]["I247N"] / (forms["2015"]["I247D"] + forms["2015"]["I247N"]))
	// Travis County: offences, custody days, outcomes.
	offences, outcomes := map[string]float64{}, map[string]float64{}
	var days []float64
	f, err := os.Open(filepath.Join(dir, "travis-county-ice-detainers/ice_detainer_bookings_redacted.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	var booked time.Time
	var worst string
	var detainer []string
	flush := func() {
		if booked.Year() < 2012 || booked.Year() > 2016 || detainer == nil {
			return
		}
		offences[worst]++
		outcomes[outcome(detainer[7])]++
		if end, err := time.Parse("2006-01-02", detainer[6]); err == nil && !end.Before(booked) {
			days = append(days, end.Sub(booked).Hours()/24)
		}
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(row) < 8 || row[1] == "" || row[1] == "Charge" || row[1] == "Booking No":
		case row[2] == "REDACTED":
			flush()
			booked, _ = time.Parse("2006-01-02", row[7])
			worst, detainer = "", nil
		case row[1] == "4200":
			detainer = row
		default:
			if b := bucket(row[2], row[3]); worst == "" || rank(b) < rank(worst) {
				// felonies first, then the bucket's order
				worst = b
			}
		}
	}
	flush()
	delete(offences, "")
	s.Offences = shares(offences)
	s.Outcomes = shares(outcomes)
	slices.Sort(days)
	for i := 0; i <= 10; i++ {
		s.CustodyDays = append(s.CustodyDays, round(days[min(len(days)-1, i*len(days)/10)]))
	}
	// Release reasons.
	reasons := map[string]float64{}
	for _, row := range readCSV(t, filepath.Join(dir, "pierce-county-jail-ice-holds/reference/release_dispositions.csv"))[1:] {
		if why := releaseReason(row[1]); why != "" {
			reasons[why] += num(t, row[2])
		}
	}
	s.ReleaseReasons = shares(reasons)
	return s
}

// The buckets of charges, most serious first, with the patterns of the
// Travis County charge literals that fall in each.
var buckets = []struct {
	name string
	re   *regexp.Regexp
}{
	{"homicide", regexp.MustCompile(`MURDER|MANSLAUGHTER|HOMICIDE`)},
	{"sex_offense", regexp.MustCompile(`SEX|INDECENCY`)},
	{"robbery", regexp.MustCompile(`ROBBERY`)},
	{"aggravated_assault", regexp.MustCompile(`(?i)AGG ASSLT|FEL ASS|DEADLY WEAPON`)},
	{"drug_sale", regexp.MustCompile(`MAN DEL`)},
	{"burglary", regexp.MustCompile(`BURGLARY`)},
	{"family_violence", regexp.MustCompile(`FAMILY|FV|PROTECTIVE ORDER`)},
	{"assault", regexp.MustCompile(`ASSLT|ASSAULT`)},
	{"weapons", regexp.MustCompile(`WEAPON|FIREARM`)},
	{"dwi", regexp.MustCompile(`DRIVING WHILE INTOX`)},
	{"theft", regexp.MustCompile(`THEFT|UNAUTHORIZED USE|ROB`)},
	{"drug_possession", regexp.MustCompile(`POSS|DRUG PARA`)},
	{"warrant_or_hold", regexp.MustCompile(`PROBATION|PAROLE|OUT OF COUNTY|DETAINER|APPEAR|BAIL JUMP|WRIT|CONTEMPT|WARRANT`)},
	{"traffic", regexp.MustCompile(`TRAFFIC|DRVNG|LICENSE|ACCIDENT|RECKLESS|DRIVING`)},
	{"public_order", regexp.MustCompile(`.`)},
}

// bucket names a charge "kind/level": "theft/felony".
func bucket(literal, level string) string {
	lv := "misdemeanor"
	if slices.Contains([]string{"F", "F*", "F1", "F2", "F3", "FS", "FX", "S", "1", "2", "3", "X"}, strings.TrimSpace(level)) {
		lv = "felony"
	}
	for _, b := range buckets {
		if b.re.MatchString(literal) {
			return b.name + "/" + lv
		}
	}
	return "public_order/" + lv
}

// rank orders buckets, most serious first: felonies, then by kind.
func rank(name string) int {
	kind, lv, _ := strings.Cut(name, "/")
	i := slices.IndexFunc(buckets, func(b struct {
		name string
		re   *regexp.Regexp
	}) bool {
		return b.name == kind
	})
	if lv == "misdemeanor" {
		i += len(buckets)
	}
	return i
}

func outcome(disp string) string {
	switch strings.TrimSpace(disp) {
	case "RELEASED TO ICE":
		return "to_ice"
	case "WARRANT WITHDRAWN", "ICE DETAINER RELEASED", "ERROR IN ENTRY", "WRONG PERSON IN CUSTODY", "ICE DETAINER TIME LIMIT REACHED", "":
		return "withdrawn"
	}
	return "other_custody"
}

func releaseReason(disp string) string {
	switch {
	case strings.Contains(disp, "Bail"):
		return "bail"
	case disp == "PR":
		return "own_recognizance"
	case strings.Contains(disp, "Time Served"):
		return "sentence_served"
	case disp == "Dismissed" || strings.HasPrefix(disp, "NCF") || disp == "No Charges Filed":
		return "charges_dismissed"
	}
	return ""
}

func shares(m map[string]float64) []Share {
	var total float64
	for _, v := range m {
		total += v
	}
	var out []Share
	for k, v := range m {
		out = append(out, Share{k, round(v / total)})
	}
	slices.SortFunc(out, func(a, b Share) int {
		if a.Share != b.Share {
			return cmpFloat(b.Share, a.Share)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("number %q: %v", s, err)
	}
	return v
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var in io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if in, err = gzip.NewReader(f); err != nil {
			t.Fatal(err)
		}
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}
