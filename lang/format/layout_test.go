package format_test

import (
	"testing"

	"gosips/lang/format"
)

func TestLayout(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"switch and comments", `

# head comment
route[r]{ # trailing
switch($rm){
case "INVITE":   t_relay();  break;
default :
  # lone comment


  xlog("x $var(a)\n");
}
}
`, `# head comment
route[r] { # trailing
	switch ($rm) {
		case "INVITE":
			t_relay();
			break;
		default:
			# lone comment

			xlog("x $var(a)\n");
	}
}
`},
		{"else and continuation", `route {
	if ($var(a)==1 ||
	    $var(b)!=2) { $var(c)=$var(c)+1; }
	else
	{ drop; }
	if (!t_relay())
		sl_reply_error();
}
`, `route {
	if ($var(a) == 1 ||
		$var(b) != 2) {
		$var(c) = $var(c) + 1;
	} else {
		drop;
	}
	if (!t_relay())
		sl_reply_error();
}
`},
		{"aligned trailing comments", "debug_mode=yes # one\nlog_level=3  # two\n\nx=1 # alone\n",
			"debug_mode = yes # one\nlog_level = 3    # two\n\nx = 1 # alone\n"},
		{"globals and includes", "debug_mode=yes\nlisten=udp:127.0.0.1:5060   # the socket\ninclude_file \"x.cfg\"\nmodparam(\"usrloc\",\"db_url\",\n  \"mysql://a\")\n",
			"debug_mode = yes\nlisten = udp:127.0.0.1:5060 # the socket\ninclude_file \"x.cfg\"\nmodparam(\"usrloc\", \"db_url\",\n\t\"mysql://a\")\n"},
	}
	for _, c := range cases {
		got, err := format.Source(c.name, []byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.want)
		}
		again, err := format.Source(c.name, got)
		if err != nil || string(again) != string(got) {
			t.Errorf("%s: second pass changed the output (%v):\n%s", c.name, err, again)
		}
	}
}
