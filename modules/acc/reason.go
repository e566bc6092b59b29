package acc

// errorText is the reason phrase OpenSIPS reports for a status code it
// did not receive in a reply (local replies, comments without a reason).
func errorText(code int) string {
	if s, ok := reasons[code]; ok {
		return s
	}
	switch {
	case code >= 600:
		return "Global Failure"
	case code >= 500:
		return "Server Failure"
	case code >= 400:
		return "Request Failure"
	case code >= 300:
		return "Redirection"
	case code >= 200:
		return "Successful"
	case code >= 100:
		return "Provisional"
	}
	return "Unspecified"
}

var reasons = map[int]string{
	100: "Trying", 180: "Ringing", 181: "Call is Being Forwarded", 182: "Queued", 183: "Session Progress",
	200: "OK", 202: "Accepted",
	300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy", 380: "Alternative Service",
	400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
	405: "Method not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
	409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Conditional Request Failed",
	413: "Request Entity Too Large", 414: "Request-URI Too Long", 415: "Unsupported Media Type",
	416: "Unsupported URI Scheme", 417: "Unknown Resource-Priority", 420: "Bad Extension", 421: "Extension Required",
	422: "Session Interval Too Small", 423: "Interval Too Brief", 428: "Use Identity Header",
	429: "Provide Referrer Identity", 436: "Bad Identity-Info", 437: "Unsupported Certificate",
	438: "Invalid Identity Header", 480: "Temporarily Unavailable", 481: "Call/Transaction Does not Exist",
	482: "Loop Detected", 483: "Too Many Hops", 484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here",
	487: "Request Terminated", 488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending",
	493: "Undecipherable", 494: "Security Agreement Required",
	500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
	504: "Server Time-out", 505: "Version Not Supported", 513: "Message Too Large",
	555: "Push Notification Service Not Supported", 580: "Precondition Failure",
	600: "Busy Everywhere", 603: "Decline", 604: "Does not Exist Anywhere", 606: "Not Acceptable",
}
