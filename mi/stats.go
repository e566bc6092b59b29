package mi

import (
	"context"
	"strings"

	"gosips/api"
)

var errStatsNotFound = &api.MIError{Code: 404, Msg: "Statistics Not Found"}

// StatsCommands are get_statistics, list_statistics, reset_statistics and
// reset_all_statistics over s (4.x names statistics:get, :list, :reset,
// :reset_all). The "statistics" parameter is an array of names: "all",
// "group:" for a whole group, "name" or "group:name" for one statistic.
func StatsCommands(s *api.Stats) []api.MICommand {
	return []api.MICommand{
		{
			Name: "get_statistics", Aliases: []string{"statistics:get"},
			Help:    "values of statistics (names, group: or all)",
			Recipes: [][]string{{"statistics"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				return selectStats(s, p, true, func(o *Object, st *api.Stat, _ bool) {
					o.Add(st.FullName(), st.Value())
				})
			},
		},
		{
			Name: "list_statistics", Aliases: []string{"statistics:list"},
			Help:    "statistics names and whether they are counters",
			Recipes: [][]string{{}, {"statistics"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				// OpenSIPS lists a statistic asked for by name under its
				// bare name, and group members as "group:name".
				list := func(o *Object, st *api.Stat, single bool) {
					key := st.FullName()
					if single {
						key = st.Name()
					}
					o.Add(key, statType(st))
				}
				if _, ok := p["statistics"]; !ok {
					o := Object{}
					for _, st := range s.All() {
						list(&o, st, false)
					}
					return o, nil
				}
				return selectStats(s, p, false, list)
			},
		},
		{
			Name: "reset_statistics", Aliases: []string{"statistics:reset"},
			Help:    "zeroes counters",
			Recipes: [][]string{{"statistics"}},
			Handler: func(_ context.Context, p api.MIParams) (any, error) {
				names, err := Strings(p, "statistics")
				if err != nil {
					return nil, err
				}
				found := false
				for _, n := range names {
					if st, ok := s.Lookup(n); ok {
						st.Reset()
						found = true
					}
				}
				if !found {
					return nil, errStatsNotFound
				}
				return nil, nil
			},
		},
		{
			Name: "reset_all_statistics", Aliases: []string{"statistics:reset_all"},
			Help:    "zeroes every counter",
			Recipes: [][]string{{}},
			Handler: func(context.Context, api.MIParams) (any, error) {
				for _, st := range s.All() {
					st.Reset()
				}
				return nil, nil
			},
		},
	}
}

func statType(st *api.Stat) string {
	if st.Kind() == api.StatCounter {
		return "incremental"
	}
	return "non-incremental"
}

// selectStats adds the statistics named by the "statistics" array, in the
// order asked; unknown names are skipped, and none found is a 404.
func selectStats(s *api.Stats, p api.MIParams, allowAll bool, add func(o *Object, st *api.Stat, single bool)) (any, error) {
	names, err := Strings(p, "statistics")
	if err != nil {
		return nil, err
	}
	o := Object{}
	found := false
	for _, n := range names {
		switch {
		case allowAll && n == "all":
			for _, st := range s.All() {
				add(&o, st, false)
			}
			found = true
		case len(n) > 1 && strings.HasSuffix(n, ":"):
			g, ok := s.LookupGroup(strings.TrimSuffix(n, ":"))
			if !ok {
				continue
			}
			for _, st := range g.Stats() {
				add(&o, st, false)
			}
			found = true
		default:
			st, ok := s.Lookup(n)
			if !ok {
				continue
			}
			add(&o, st, true)
			found = true
		}
	}
	if !found {
		return nil, errStatsNotFound
	}
	return o, nil
}
