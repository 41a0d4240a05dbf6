package locale

import "strings"

// JoinNames joins names (of tracks) as lang lists them: with "、" in
// Chinese, ", " elsewhere.
func JoinNames(names []string, lang string) string {
	sep := ", "
	if Primary(lang) == "zh" {
		sep = "、"
	}
	return strings.Join(names, sep)
}
