//! Selection strings parsed into [`Expr`]: VND's terms and the activity, wiring and distance
//! terms, with errors that quote the selection and say what is wrong.

use super::attributes::check_attributes;
use super::lexer::{Token, tokenize};
use super::syntax::{Expr, Field, Literal, Op, Side, Window};
use crate::sonata::error::{Result, SonataError};
use crate::sonata::nodes::NodePopulation;

/// How deep parentheses and `!` may nest. Far beyond any selection a person writes, and far
/// below what would overflow the stack of the recursive parser and evaluator.
pub const MAX_NESTING: usize = 200;

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    expr: &'a str,
    /// Parentheses and `!` open around the current position.
    depth: usize,
}

/// The operands of a chain of one associative operator as a balanced tree: `a || b || c ...`
/// nests log2(n) deep instead of n deep, so a long chain cannot overflow the stack when it
/// is evaluated or dropped. Two or three operands keep their left-to-right shape.
fn balanced(mut operands: Vec<Expr>, join: fn(Box<Expr>, Box<Expr>) -> Expr) -> Option<Expr> {
    match operands.len() {
        0 => None,
        1 => operands.pop(),
        n => {
            let right = operands.split_off(n.div_ceil(2));
            let left = balanced(operands, join)?;
            let right = balanced(right, join)?;
            Some(join(Box::new(left), Box::new(right)))
        }
    }
}

impl Parser<'_> {
    fn err(&self, message: impl Into<String>) -> SonataError {
        SonataError::Selection {
            expr: quoted(self.expr),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr> {
        let mut operands = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            operands.push(self.and()?);
        }
        balanced(operands, Expr::Or).ok_or_else(|| self.err("ends where a condition is expected"))
    }

    fn and(&mut self) -> Result<Expr> {
        let mut operands = vec![self.not()?];
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            operands.push(self.not()?);
        }
        balanced(operands, Expr::And).ok_or_else(|| self.err("ends where a condition is expected"))
    }

    /// Enters one level of parentheses or `!`, refusing to go deeper than `MAX_NESTING`.
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(format!(
                "nests parentheses and '!' deeper than {MAX_NESTING} levels"
            )));
        }
        Ok(())
    }

    fn not(&mut self) -> Result<Expr> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr> {
        match self.next() {
            None => Err(self.err("ends where a condition is expected")),
            Some(Token::LParen) => {
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token::RParen) => Ok(inner),
                    _ => Err(self.err("a '(' is not closed")),
                }
            }
            Some(Token::Word(w)) => self.word(w),
            Some(Token::Quoted(q)) => Ok(Expr::NodeSet(q)),
            Some(t) => Err(self.err(format!(
                "unexpected {} where a condition is expected",
                describe(&t)
            ))),
        }
    }

    fn word(&mut self, w: String) -> Result<Expr> {
        match w.as_str() {
            "all" | "everything" => return Ok(Expr::All),
            "none" | "nothing" => return Ok(Expr::Nothing),
            "stride" => {
                return match self.next() {
                    Some(Token::Word(n)) => match n.parse::<u64>() {
                        Ok(k) if k > 0 => Ok(Expr::Stride(k)),
                        _ => Err(self.err(format!("stride needs a positive integer, not '{n}'"))),
                    },
                    _ => Err(self.err("stride needs a positive integer")),
                };
            }
            "silent" => return Ok(Expr::Silent),
            "spiked" => return Ok(Expr::Spiked(self.optional_window("spiked", false)?)),
            "pre" | "post" if self.peek_word("of") => {
                self.pos += 1;
                let side = if w == "pre" { Side::Pre } else { Side::Post };
                return self.partners(side);
            }
            "within" => return self.within(),
            _ => {}
        }
        let field = match w.as_str() {
            "soma" => match self.next() {
                Some(Token::Word(axis)) => match axis.as_str() {
                    "x" => Field::Soma(0),
                    "y" => Field::Soma(1),
                    "z" => Field::Soma(2),
                    other => return Err(self.err(format!("soma takes x, y or z, not '{other}'"))),
                },
                _ => return Err(self.err("soma takes x, y or z")),
            },
            "x" => Field::Soma(0),
            "y" => Field::Soma(1),
            "z" => Field::Soma(2),
            "population" => Field::Population,
            "node" | "node_id" | "id" => Field::NodeId,
            "type" | "node_type_id" => Field::NodeType,
            "group" | "node_group_id" => Field::Group,
            "rate" => Field::Rate(self.optional_window("rate", true)?),
            other => Field::Attribute(other.to_owned()),
        };
        let op = match self.peek() {
            Some(Token::Op(op)) => {
                let op = *op;
                self.pos += 1;
                Some(op)
            }
            _ => None,
        };
        let mut values = Vec::new();
        while let Some(Token::Word(_) | Token::Quoted(_) | Token::Comma) = self.peek() {
            match self.next() {
                Some(Token::Word(v)) => values.push(match v.parse::<f64>() {
                    Ok(n) => Literal::Number(n),
                    Err(_) => Literal::Text(v),
                }),
                Some(Token::Quoted(v)) => values.push(Literal::Text(v)),
                _ => {}
            }
        }
        if let Field::Rate(_) = field
            && let Some(Literal::Text(t)) = values.iter().find(|v| matches!(v, Literal::Text(_)))
        {
            return Err(self.err(format!("rate compares with a number of Hz, not '{t}'")));
        }
        match (op, values.is_empty()) {
            (None, true) => match field {
                Field::Attribute(name) => Ok(Expr::NodeSet(name)),
                _ => Err(self.err(format!("'{w}' needs a value"))),
            },
            (Some(op), true) => {
                Err(self.err(format!("'{w}' and its operator need a value ({op:?})")))
            }
            (Some(op), false) if values.len() > 1 && !matches!(op, Op::Eq | Op::Ne) => Err(self
                .err(format!(
                    "'{w}' compares with one value, found {}",
                    values.len()
                ))),
            (op, false) => Ok(Expr::Compare {
                field,
                op: op.unwrap_or(Op::Eq),
                values,
            }),
        }
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    /// A number where `what` needs one.
    fn number(&mut self, what: &str) -> Result<f64> {
        match self.next() {
            Some(Token::Word(w)) => match w.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(self.err(format!("{what} needs a number, not '{w}'"))),
            },
            Some(t) => Err(self.err(format!("{what} needs a number, not {}", describe(&t)))),
            None => Err(self.err(format!("{what} needs a number"))),
        }
    }

    /// `(T0, T1)` after `rate` or `spiked`, when a '(' follows: a window of model time in ms.
    /// A window for a rate must be longer than 0 ms.
    fn optional_window(&mut self, keyword: &str, for_rate: bool) -> Result<Option<Window>> {
        if self.peek() != Some(&Token::LParen) {
            return Ok(None);
        }
        self.pos += 1;
        let what = format!("{keyword}(T0, T1)");
        let start_ms = self.number(&what)?;
        if self.peek() == Some(&Token::Comma) {
            self.pos += 1;
        }
        let end_ms = self.number(&what)?;
        if self.next() != Some(Token::RParen) {
            return Err(self.err(format!("{what} takes two times in ms and a ')'")));
        }
        if end_ms < start_ms || (for_rate && end_ms == start_ms) {
            return Err(self.err(format!(
                "{keyword}({start_ms}, {end_ms}): the window must end {} it starts",
                if for_rate { "after" } else { "no earlier than" }
            )));
        }
        Ok(Some(Window { start_ms, end_ms }))
    }

    /// A selection in parentheses (after `pre of`, `post of`, `within R of`).
    fn parenthesised(&mut self, keyword: &str) -> Result<Expr> {
        if self.next() != Some(Token::LParen) {
            return Err(self.err(format!(
                "'{keyword}' needs a selection in parentheses, e.g. '{keyword} (node_id 12)'"
            )));
        }
        self.enter()?;
        let inner = self.or()?;
        self.depth -= 1;
        match self.next() {
            Some(Token::RParen) => Ok(inner),
            _ => Err(self.err("a '(' is not closed")),
        }
    }

    /// After `pre of` / `post of`: `(EXPR)`, then `via EDGE_POPULATION` when one is named.
    fn partners(&mut self, side: Side) -> Result<Expr> {
        let of = Box::new(self.parenthesised(side.keyword())?);
        let via = if self.peek_word("via") {
            self.pos += 1;
            match self.next() {
                Some(Token::Word(name) | Token::Quoted(name)) => Some(name),
                _ => return Err(self.err("'via' needs an edge population's name")),
            }
        } else {
            None
        };
        Ok(Expr::Partners { side, of, via })
    }

    /// After `within`: `R of probe` or `R of (EXPR)`, R in µm.
    fn within(&mut self) -> Result<Expr> {
        let radius_um = self.number("within R of ...")?;
        if radius_um < 0.0 {
            return Err(self.err(format!(
                "within {radius_um}: the distance must not be negative"
            )));
        }
        if !self.peek_word("of") {
            return Err(self.err(format!(
                "'within {radius_um}' needs 'of probe' or 'of (selection)'"
            )));
        }
        self.pos += 1;
        if self.peek_word("probe") {
            self.pos += 1;
            return Ok(Expr::WithinProbe { radius_um });
        }
        let of = Box::new(self.parenthesised(&format!("within {radius_um} of"))?);
        Ok(Expr::Within { radius_um, of })
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::Comma => "','".into(),
        Token::And => "'&&'".into(),
        Token::Or => "'||'".into(),
        Token::Not => "'!'".into(),
        Token::Op(op) => format!("operator {op:?}"),
        Token::Word(w) => format!("'{w}'"),
        Token::Quoted(q) => format!("\"{q}\""),
    }
}

/// A selection as an error quotes it: whole, unless it is too long to read.
pub(super) fn quoted(expr: &str) -> String {
    const SHOWN: usize = 120;
    if expr.chars().count() <= SHOWN {
        return expr.to_owned();
    }
    let head: String = expr.chars().take(SHOWN).collect();
    format!("{head}... ({} characters)", expr.chars().count())
}

/// Parses a selection string.
pub fn parse(expr: &str) -> Result<Expr> {
    let tokens = tokenize(expr).map_err(|message| SonataError::Selection {
        expr: quoted(expr),
        message,
    })?;
    if tokens.is_empty() {
        return Ok(Expr::All);
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        expr,
        depth: 0,
    };
    let e = parser.or()?;
    if let Some(t) = parser.peek() {
        let t = describe(t);
        return Err(parser.err(format!("unexpected {t} after a complete condition")));
    }
    Ok(e)
}

/// Parses a selection for `populations` and checks that every attribute it compares exists in
/// at least one of them (a misspelt attribute would otherwise select nothing, silently).
pub fn parse_for(expr: &str, populations: &[NodePopulation]) -> Result<Expr> {
    let parsed = parse(expr)?;
    check_attributes(&parsed, populations).map_err(|message| SonataError::Selection {
        expr: quoted(expr),
        message,
    })?;
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_vnd_examples() {
        assert_eq!(
            parse("population == v1 && soma x < 0").unwrap(),
            Expr::And(
                Box::new(Expr::Compare {
                    field: Field::Population,
                    op: Op::Eq,
                    values: vec![Literal::Text("v1".into())]
                }),
                Box::new(Expr::Compare {
                    field: Field::Soma(0),
                    op: Op::Lt,
                    values: vec![Literal::Number(0.0)]
                })
            )
        );
        assert_eq!(
            parse("node_id 1 2 3").unwrap(),
            Expr::Compare {
                field: Field::NodeId,
                op: Op::Eq,
                values: vec![
                    Literal::Number(1.0),
                    Literal::Number(2.0),
                    Literal::Number(3.0)
                ]
            }
        );
        assert_eq!(parse("stride 5").unwrap(), Expr::Stride(5));
        assert_eq!(parse("").unwrap(), Expr::All);
        assert!(matches!(
            parse("!(model_type == virtual) || type eq 100").unwrap(),
            Expr::Or(_, _)
        ));
        assert_eq!(parse("my_set").unwrap(), Expr::NodeSet("my_set".into()));
    }

    #[test]
    fn precedence_and_binds_tighter_than_or() {
        let e = parse("a == 1 || b == 2 && c == 3").unwrap();
        let Expr::Or(_, right) = e else {
            panic!("expected ||")
        };
        assert!(matches!(*right, Expr::And(_, _)));
    }

    #[test]
    fn malformed_selections_are_errors() {
        for bad in [
            "population ==",
            "(type == 1",
            "type == 1)",
            "soma w < 3",
            "stride",
            "stride -2",
            "x < 1 2",
            "a & b",
            "&& type == 1",
            "pop_name == 'unclosed",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn parses_activity_wiring_and_distance_terms() {
        assert_eq!(
            parse("rate(100, 400) > 10").unwrap(),
            Expr::Compare {
                field: Field::Rate(Some(Window {
                    start_ms: 100.0,
                    end_ms: 400.0
                })),
                op: Op::Gt,
                values: vec![Literal::Number(10.0)]
            }
        );
        assert_eq!(
            parse("spiked(100 150)").unwrap(),
            Expr::Spiked(Some(Window {
                start_ms: 100.0,
                end_ms: 150.0
            }))
        );
        assert_eq!(parse("silent").unwrap(), Expr::Silent);
        assert_eq!(parse("spiked").unwrap(), Expr::Spiked(None));
        assert_eq!(
            parse("pre of (node_id 12) via v1_to_v1").unwrap(),
            Expr::Partners {
                side: Side::Pre,
                of: Box::new(parse("node_id 12").unwrap()),
                via: Some("v1_to_v1".into())
            }
        );
        assert_eq!(
            parse("within 50 of probe").unwrap(),
            Expr::WithinProbe { radius_um: 50.0 }
        );
        let Expr::And(left, right) =
            parse("rate > 20 && within 100 of (post of (silent))").unwrap()
        else {
            panic!("expected &&")
        };
        assert!(matches!(
            *left,
            Expr::Compare {
                field: Field::Rate(None),
                ..
            }
        ));
        assert!(matches!(*right, Expr::Within { radius_um, .. } if radius_um == 100.0));
        // commas separate listed values too
        assert_eq!(
            parse("node_id 1, 2").unwrap(),
            parse("node_id 1 2").unwrap()
        );
        // `pre` and `post` without `of` stay names (node sets, attributes)
        assert_eq!(parse("pre").unwrap(), Expr::NodeSet("pre".into()));
    }
}
