package feed

import (
	"maps"
	"slices"
	"strings"
)

// words are the few words a feed itself adds to the data.
type words struct {
	cancelled string // prefix of a cancelled event's title
	online    string // before the link to join online
	more      string // before the event's page
	agenda    string // name of a personal agenda
}

// vocabulary has the six UN languages; others fall back to English.
var vocabulary = map[string]words{
	"ar": {cancelled: "ملغى: ", online: "للمشاركة عبر الإنترنت: ", more: "مزيد من المعلومات: ", agenda: "جدول أعمالي"},
	"en": {cancelled: "Cancelled: ", online: "Join online: ", more: "More information: ", agenda: "My agenda"},
	"es": {cancelled: "Cancelado: ", online: "Participar en línea: ", more: "Más información: ", agenda: "Mi agenda"},
	"fr": {cancelled: "Annulé : ", online: "Participer en ligne : ", more: "Plus d'informations : ", agenda: "Mon agenda"},
	"ru": {cancelled: "Отменено: ", online: "Подключиться онлайн: ", more: "Подробнее: ", agenda: "Моя программа"},
	"zh": {cancelled: "已取消：", online: "在线参加：", more: "详情：", agenda: "我的日程"},
}

func wordsFor(lang string) words {
	if w, ok := vocabulary[lang]; ok {
		return w
	}
	// A regional tag such as "fr-CA" takes its language's words.
	for i := range lang {
		if lang[i] == '-' {
			if w, ok := vocabulary[lang[:i]]; ok {
				return w
			}
		}
	}
	return vocabulary["en"]
}

// AgendaName is the name of a personal agenda in lang.
func AgendaName(lang string) string { return wordsFor(lang).agenda }

// JoinNames joins track names as lang lists them.
func JoinNames(names []string, lang string) string {
	sep := ", "
	if lang == "zh" || len(lang) > 2 && lang[:3] == "zh-" {
		sep = "、"
	}
	return strings.Join(names, sep)
}

// Added returns what feeds add to the data, in every language they are
// written in: the prefixes of a cancelled event's title, and the words
// before the links a description ends with. `calfeed import` takes them
// off a feed calfeed wrote, so that they are not added twice.
func Added() (cancelled, links []string) {
	for _, lang := range slices.Sorted(maps.Keys(vocabulary)) {
		w := vocabulary[lang]
		cancelled = append(cancelled, w.cancelled)
		links = append(links, w.online, w.more)
	}
	return cancelled, links
}
