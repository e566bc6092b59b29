package ast

// Inspect walks the tree rooted at n in depth-first order, calling f for every
// node; when f returns false the node's children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	switch n := n.(type) {
	case *Route:
		Inspect(n.Body, f)
	case *Block:
		if n == nil {
			return
		}
		for _, s := range n.Stmts {
			Inspect(s, f)
		}
	case *CallStmt:
		Inspect(n.Call, f)
	case *Assign:
		Inspect(n.Target, f)
		Inspect(n.Value, f)
	case *If:
		Inspect(n.Cond, f)
		Inspect(n.Then, f)
		if n.Else != nil {
			Inspect(n.Else, f)
		}
	case *While:
		Inspect(n.Cond, f)
		Inspect(n.Body, f)
	case *ForEach:
		Inspect(n.Var, f)
		Inspect(n.In, f)
		Inspect(n.Body, f)
	case *Switch:
		Inspect(n.Subject, f)
		for _, c := range n.Cases {
			if c.Value != nil {
				Inspect(c.Value, f)
			}
			for _, s := range c.Body {
				Inspect(s, f)
			}
		}
	case *Return:
		for _, v := range n.Values {
			Inspect(v, f)
		}
	case *RouteCall:
		if n.Dynamic != nil {
			Inspect(n.Dynamic, f)
		}
		for _, a := range n.Args {
			if a != nil {
				Inspect(a, f)
			}
		}
	case *Assert:
		Inspect(n.Cond, f)
	case *Async:
		Inspect(n.Call, f)
	case *Launch:
		Inspect(n.Call, f)
	case *Call:
		for _, a := range n.Args {
			if a != nil {
				Inspect(a, f)
			}
		}
	case *Binary:
		Inspect(n.X, f)
		Inspect(n.Y, f)
	case *Unary:
		Inspect(n.X, f)
	case *Paren:
		Inspect(n.X, f)
	case *AssignExpr:
		Inspect(n.Assign, f)
	}
}
