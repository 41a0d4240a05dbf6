package calendar

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Suggestions for a zone name the time zone database lacks: a city's zone,
// an abbreviation's, an offset's, or the name it is a typo of.

// cityZones are the zones of cities people write as if they were zones:
// the time zone database names one city for each zone, and Geneva, where
// many international meetings are, is not it.
var cityZones = map[string]string{
	"geneva": "Europe/Zurich", "bern": "Europe/Zurich", "milan": "Europe/Rome", "munich": "Europe/Berlin",
	"frankfurt": "Europe/Berlin", "barcelona": "Europe/Madrid", "hague": "Europe/Amsterdam",
	"the_hague": "Europe/Amsterdam", "geneve": "Europe/Zurich", "washington": "America/New_York",
	"washington_dc": "America/New_York", "boston": "America/New_York", "san_francisco": "America/Los_Angeles",
	"seattle": "America/Los_Angeles", "beijing": "Asia/Shanghai", "mumbai": "Asia/Kolkata",
	"delhi": "Asia/Kolkata", "new_delhi": "Asia/Kolkata", "osaka": "Asia/Tokyo", "hanoi": "Asia/Bangkok",
	"abu_dhabi": "Asia/Dubai", "montreal": "America/Toronto", "rio_de_janeiro": "America/Sao_Paulo",
	"nairobi": "Africa/Nairobi", "addis_ababa": "Africa/Addis_Ababa",
}

// continents are the areas of the time zone database's names of cities
// (not US/, Canada/ or Etc/, whose Eastern or Pacific a bare word means less).
var continents = map[string]bool{"Africa": true, "America": true, "Antarctica": true, "Arctic": true,
	"Asia": true, "Atlantic": true, "Australia": true, "Europe": true, "Indian": true, "Pacific": true}

// abbreviationZones are zones for the abbreviations people write as zones
// and that name one zone (not IST or CST, each used on two continents).
// The database knows EST, MST, HST, CET, EET and WET as zones of their own.
var abbreviationZones = map[string]string{
	"pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
	"mdt": "America/Denver", "cdt": "America/Chicago", "edt": "America/New_York", "et": "America/New_York",
	"bst": "Europe/London", "cest": "Europe/Paris", "eest": "Europe/Athens", "jst": "Asia/Tokyo",
	"kst": "Asia/Seoul", "hkt": "Asia/Hong_Kong", "sgt": "Asia/Singapore", "aest": "Australia/Sydney",
	"aedt": "Australia/Sydney", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
}

// ambiguousAbbreviations are the abbreviations people write as zones that
// name zones on two continents or more, with them.
var ambiguousAbbreviations = map[string]string{
	"cst": `China Standard Time, "Asia/Shanghai" or, in Taiwan, "Asia/Taipei", and Central Standard Time, "America/Chicago"`,
	"ist": `India Standard Time, "Asia/Kolkata", Israel Standard Time, "Asia/Jerusalem", and Irish Standard Time, "Europe/Dublin"`,
	"ast": `Arabia Standard Time, "Asia/Riyadh", and Atlantic Standard Time, "America/Halifax" or, without daylight saving, "America/Puerto_Rico"`,
}

// offsetRE is an offset written as a zone: UTC+9, GMT-5, UTC +09:00.
var offsetRE = regexp.MustCompile(`^(?i:UTC|GMT) ?([+-]) ?0?(\d{1,2})(?::?00)?$`)

// offsetZone is the Etc/ zone of an offset written as a zone (UTC+9 is
// Etc/GMT-9: the database gives these POSIX's sign), or "".
func offsetZone(s string) string {
	m := offsetRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return ""
	}
	h, _ := strconv.Atoi(m[2])
	switch {
	case h == 0:
		return "Etc/UTC"
	case m[1] == "+" && h <= 14:
		return "Etc/GMT-" + strconv.Itoa(h)
	case m[1] == "-" && h <= 12:
		return "Etc/GMT+" + strconv.Itoa(h)
	}
	return ""
}

// ZoneHint is the suggestion for a zone name the time zone database lacks,
// for a message: ` (Geneva is in "Europe/Zurich")`, ` (did you mean
// "Europe/Zurich"?)`, or "" when none is near.
func ZoneHint(s string) string {
	if zones, ok := ambiguousAbbreviations[strings.ToLower(strings.TrimSpace(s))]; ok {
		return fmt.Sprintf(" (%s names %s: write the one meant)", strings.ToUpper(strings.TrimSpace(s)), zones)
	}
	z, city := SuggestZone(s)
	switch {
	case z == "":
		return ""
	case z != "Etc/UTC" && offsetZone(s) != "":
		return fmt.Sprintf(" (%s is %q, its sign reversed as the time zone database writes it; a city's zone, such as \"Asia/Tokyo\", also follows daylight saving)", strings.TrimSpace(s), z)
	case city != "":
		return fmt.Sprintf(" (%s is in %q)", city, z)
	default:
		return fmt.Sprintf(" (did you mean %q?)", z)
	}
}

// SuggestZone suggests, for a zone name the time zone database lacks, the
// zone of the city it names (Europe/Geneva: Europe/Zurich, and that city),
// or a zone name it is a typo of: of the same area, by the city's spelling
// (so that Europe/Geneva is not taken for Europe/Kiev), else by the whole
// name's; "" when none is close.
func SuggestZone(s string) (zone, city string) {
	area, c, ok := strings.Cut(s, "/")
	if !ok {
		// Geneva alone: the city's zone, if it is one people write.
		key := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", "_"))
		if z, ok := cityZones[key]; ok {
			return z, strings.ReplaceAll(s, "_", " ")
		}
		// Tokyo alone: the zone named after it.
		for _, z := range zoneNames {
			area, _, _ := strings.Cut(z, "/")
			if c := z[strings.LastIndex(z, "/")+1:]; continents[area] && strings.ToLower(c) == key {
				return z, strings.ReplaceAll(c, "_", " ")
			}
		}
		if z, ok := abbreviationZones[key]; ok {
			return z, ""
		}
		if _, ok := ambiguousAbbreviations[key]; ok {
			return "", "" // no guess, nor a zone it is spelt like
		}
		if z := offsetZone(s); z != "" {
			return z, ""
		}
		return suggest(s, zoneNames[:]), ""
	}
	// Only in the city's own area: US/Washington is not Washington, D.C.
	if z, ok := cityZones[strings.ToLower(strings.ReplaceAll(c, " ", "_"))]; ok && z != s && strings.EqualFold(area, z[:strings.Index(z, "/")]) {
		return z, strings.ReplaceAll(c, "_", " ")
	}
	var cities, zones []string
	for _, z := range zoneNames {
		if a, zc, _ := strings.Cut(z, "/"); strings.EqualFold(a, area) {
			cities, zones = append(cities, zc), append(zones, z)
		}
	}
	if len(cities) == 0 {
		return suggest(s, zoneNames[:]), ""
	}
	if m := suggest(c, cities); m != "" {
		return zones[slices.Index(cities, m)], ""
	}
	return "", ""
}
