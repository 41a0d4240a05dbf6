package web

import (
	"bytes"
	"fmt"
	"html"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"
)

// QR codes are drawn with github.com/skip2/go-qrcode: a complete ISO/IEC
// 18004 encoder with no dependencies of its own, whose Bitmap gives the
// modules to draw as SVG, and whose PNG writer serves print. Level M
// (15% recovery) keeps codes of page URLs small enough to scan from a slide.

// QRLabel is a screen reader's name for the QR code of the feed titled
// title, in lang.
func QRLabel(lang, title string) string { return newTranslator(lang).Get("qr_alt", title) }

// QRSVG returns a QR code of content as a stand-alone SVG document whose
// title (a screen reader's name for it) is label.
func QRSVG(content, label string) ([]byte, error) {
	svg, err := qrSVG(content, label)
	if err != nil {
		return nil, err
	}
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + svg + "\n"), nil
}

// QRPNG returns a QR code of content as a PNG of 8 pixels a module.
func QRPNG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("web: QR code: %w", err)
	}
	b, err := q.PNG(-8)
	if err != nil {
		return nil, fmt.Errorf("web: QR code: %w", err)
	}
	return b, nil
}

// qrSVG draws the code as one path of horizontal runs of dark modules, on
// white, with the four-module quiet zone the standard asks for.
func qrSVG(content, label string) (string, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("web: QR code: %w", err)
	}
	bits := q.Bitmap() // includes the quiet zone
	n := len(bits)
	var path bytes.Buffer
	for y, row := range bits {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	size := strconv.Itoa(n)
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + size + ` ` + size +
		`" width="` + strconv.Itoa(n*6) + `" height="` + strconv.Itoa(n*6) +
		`" shape-rendering="crispEdges" role="img" aria-label="` + html.EscapeString(label) + `">` +
		`<title>` + html.EscapeString(label) + `</title>` +
		`<rect width="` + size + `" height="` + size + `" fill="#fff"/>` +
		`<path fill="#000" d="` + path.String() + `"/></svg>`, nil
}
