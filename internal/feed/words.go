package feed

import "calfeed/internal/locale"

// Added returns what feeds add to the data, in every language they are
// written in: the prefixes of a cancelled event's title, and the words
// before the links a description ends with. `calfeed import` takes them
// off a feed calfeed wrote, so that they are not added twice.
func Added() (cancelled, links []string) {
	return locale.Every("feed_cancelled"), append(locale.Every("feed_online"), locale.Every("feed_more")...)
}
