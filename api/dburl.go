package api

import (
	"fmt"
	"strings"
)

// dbModules maps db_url schemes to the OpenSIPS module serving them.
var dbModules = map[string]string{
	"sqlite":     "db_sqlite",
	"text":       "db_text",
	"mysql":      "db_mysql",
	"postgres":   "db_postgres",
	"postgresql": "db_postgres",
	"unixodbc":   "db_unixodbc",
	"oracle":     "db_oracle",
	"berkeley":   "db_berkeley",
	"flatstore":  "db_flatstore",
	"virtual":    "db_virtual",
}

// supported lists the DB modules gosips has.
var supported = map[string]bool{"db_sqlite": true, "db_text": true, "db_mysql": true, "db_postgres": true}

// DBModule returns the module that serves a db_url, from its scheme.
func DBModule(url string) (string, error) {
	scheme, _, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		return "", fmt.Errorf("db_url %q has no scheme (expected e.g. \"sqlite:///path/db.sqlite\" or \"text:///dir\")", url)
	}
	if mod, ok := dbModules[strings.ToLower(scheme)]; ok {
		return mod, nil
	}
	return "db_" + strings.ToLower(scheme), nil
}

// CheckDBURL is the Validate step shared by the modules with a db_url
// parameter: it resolves an empty url to the db_default_url global and
// checks that the module for its scheme exists in gosips and is loaded.
// With required unset, an empty url is accepted. It returns the effective
// url.
func CheckDBURL(vc *ValidateCtx, param, url string, required bool) (string, error) {
	if url == "" && vc.Global != nil {
		if v, ok := vc.Global("db_default_url"); ok && v.IsStr() {
			url = v.S
		}
	}
	if url == "" {
		if required {
			return "", fmt.Errorf("%s is not set and there is no db_default_url", param)
		}
		return "", nil
	}
	mod, err := DBModule(url)
	if err != nil {
		return url, fmt.Errorf("%s: %w", param, err)
	}
	if !supported[mod] {
		return url, fmt.Errorf("%s %q needs module %s, which gosips does not have (use a sqlite:// or text:// url)", param, url, mod)
	}
	if vc.Loaded != nil && !vc.Loaded(mod) {
		return url, fmt.Errorf("%s %q needs loadmodule \"%s.so\"", param, url, mod)
	}
	return url, nil
}
