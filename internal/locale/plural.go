package locale

// Plural returns the CLDR plural category of the integer n in lang: "zero",
// "one", "two", "few", "many" or "other".
// See unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html.
func Plural(lang string, n int) string {
	if n < 0 {
		n = -n
	}
	switch Primary(lang) {
	case "zh", "ja", "ko":
		return "other"
	case "fr":
		if n == 0 || n == 1 {
			return "one"
		}
		return "other"
	case "ru", "uk":
		switch {
		case n%10 == 1 && n%100 != 11:
			return "one"
		case n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
			return "few"
		default:
			return "many"
		}
	case "ar":
		switch {
		case n == 0:
			return "zero"
		case n == 1:
			return "one"
		case n == 2:
			return "two"
		case n%100 >= 3 && n%100 <= 10:
			return "few"
		case n%100 >= 11:
			return "many"
		default:
			return "other"
		}
	default:
		if n == 1 {
			return "one"
		}
		return "other"
	}
}
