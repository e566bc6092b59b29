package api

import (
	"fmt"
	"strings"

	"gosips/db"
)

// DBModule returns the module that serves a db_url: db_<scheme>, with
// OpenSIPS' "postgresql" alias for db_postgres.
func DBModule(url string) (string, error) {
	scheme, _, ok := strings.Cut(url, "://")
	if !ok || scheme == "" {
		return "", fmt.Errorf("db_url %q has no scheme (expected e.g. \"sqlite:///path/db.sqlite\" or \"mysql://user:pass@host/db\")", db.MaskURL(url))
	}
	scheme = strings.ToLower(scheme)
	if scheme == "postgresql" {
		scheme = "postgres"
	}
	return "db_" + scheme, nil
}

// CheckDBURL is the Validate step of a module with a db_url parameter:
// an empty url falls back to the db_default_url global (accepted empty
// unless required), and the module serving its scheme must be loaded.
// Which schemes exist is what the loaded db_* modules say, not a list
// kept here. It returns the effective url; errors mask the password.
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
	if vc.Loaded == nil || vc.Loaded(mod) {
		return url, nil
	}
	msg := fmt.Sprintf("%s %q needs loadmodule \"%s.so\"", param, db.MaskURL(url), mod)
	if reg := Default(); reg != nil {
		var have []string
		for _, n := range reg.Names() {
			if strings.HasPrefix(n, "db_") {
				have = append(have, n)
			}
		}
		// Only a build that has db modules can tell one is missing.
		if _, known := reg.Lookup(mod); !known && len(have) > 0 {
			msg += ", a module gosips does not have (it has " + strings.Join(have, ", ") + ")"
		}
	}
	return url, fmt.Errorf("%s", msg)
}
