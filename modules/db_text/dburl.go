package dbtext

import "gosips/api"

// DBModule returns the module that serves a db_url, from its scheme.
func DBModule(url string) (string, error) { return api.DBModule(url) }

// CheckDBURL is api.CheckDBURL, kept for the modules that call it here.
func CheckDBURL(vc *api.ValidateCtx, param, url string, required bool) (string, error) {
	return api.CheckDBURL(vc, param, url, required)
}
