package httpcodec

import "strconv"

// StatusText returns the reason phrase for a status code ("Not Found"), or
// "" for an unknown code. The texts are those of net/http.
func StatusText(code int) string {
	if code < 100 || code >= 600 {
		return ""
	}
	return statusText[code-100]
}

// AppendStatusLine appends the status line "HTTP/1.1 <code> <reason>\r\n".
// Lines for codes 100-599 are precomputed, so this is one copy. A code in
// 600-999 is written with an empty reason; a code outside 100-999 is not a
// valid status and is written as 500.
func AppendStatusLine(dst []byte, code int) []byte {
	if code >= 100 && code < 600 {
		return append(dst, statusLines[code-100]...)
	}
	if code < 100 || code > 999 {
		return append(dst, statusLines[500-100]...)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	return append(dst, " \r\n"...)
}

var (
	statusText  [500]string
	statusLines [500]string
)

func init() {
	for code, text := range map[int]string{
		100: "Continue",
		101: "Switching Protocols",
		102: "Processing",
		103: "Early Hints",
		200: "OK",
		201: "Created",
		202: "Accepted",
		203: "Non-Authoritative Information",
		204: "No Content",
		205: "Reset Content",
		206: "Partial Content",
		207: "Multi-Status",
		208: "Already Reported",
		226: "IM Used",
		300: "Multiple Choices",
		301: "Moved Permanently",
		302: "Found",
		303: "See Other",
		304: "Not Modified",
		305: "Use Proxy",
		307: "Temporary Redirect",
		308: "Permanent Redirect",
		400: "Bad Request",
		401: "Unauthorized",
		402: "Payment Required",
		403: "Forbidden",
		404: "Not Found",
		405: "Method Not Allowed",
		406: "Not Acceptable",
		407: "Proxy Authentication Required",
		408: "Request Timeout",
		409: "Conflict",
		410: "Gone",
		411: "Length Required",
		412: "Precondition Failed",
		413: "Request Entity Too Large",
		414: "Request URI Too Long",
		415: "Unsupported Media Type",
		416: "Requested Range Not Satisfiable",
		417: "Expectation Failed",
		418: "I'm a teapot",
		421: "Misdirected Request",
		422: "Unprocessable Entity",
		423: "Locked",
		424: "Failed Dependency",
		425: "Too Early",
		426: "Upgrade Required",
		428: "Precondition Required",
		429: "Too Many Requests",
		431: "Request Header Fields Too Large",
		451: "Unavailable For Legal Reasons",
		500: "Internal Server Error",
		501: "Not Implemented",
		502: "Bad Gateway",
		503: "Service Unavailable",
		504: "Gateway Timeout",
		505: "HTTP Version Not Supported",
		506: "Variant Also Negotiates",
		507: "Insufficient Storage",
		508: "Loop Detected",
		510: "Not Extended",
		511: "Network Authentication Required",
	} {
		statusText[code-100] = text
	}
	for i := range statusLines {
		statusLines[i] = "HTTP/1.1 " + strconv.Itoa(i+100) + " " + statusText[i] + "\r\n"
	}
}
