package desk

// EditReplayPage returns a page body (whose rows name strings below
// nstrs) with its first row's outcome made string number outcome, or nil
// when it does not decode: a tamperer's edit, for the tests of package
// desk_test.
func EditReplayPage(body []byte, nstrs int, outcome uint32) []byte {
	r := &pageReader{b: body, strs: nstrs}
	var out []byte
	var prev pageRow
	for i := 0; r.next(); i++ {
		row := r.row
		if i == 0 {
			row.outcome = outcome
		}
		out = appendRow(out, &prev, &row)
		prev = row
	}
	if r.err != nil {
		return nil
	}
	return out
}
