//! The selection language of VND, where it overlaps: `population == v1 && soma x < 0`,
//! `type == 100`, `node_id 1 2 3`, `model_type == virtual`, `stride 5`, `pop_name == e4Rorb`,
//! `&& || !` (also `and or not`) and parentheses, `all`, `none`, node-set names.
//!
//! Operators: `==` `=` `eq`, `!=` `ne`, `<` `lt`, `<=` `le`, `>` `gt`, `>=` `ge`. A list after
//! `==` (or after a name with no operator) matches any of its values.
//! Evaluated per population to sorted id ranges (`Selection`).

use std::collections::BTreeMap;

use super::column::Value as CellValue;
use super::error::{Result, SonataError};
use super::node_sets::NodeSets;
use super::nodes::NodePopulation;
use super::selection::Selection;

#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Population,
    NodeId,
    NodeType,
    Group,
    /// `soma x` / `x`: 0, 1, 2.
    Soma(usize),
    Attribute(String),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Number(f64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    All,
    Nothing,
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Stride(u64),
    NodeSet(String),
    Compare {
        field: Field,
        op: Op,
        values: Vec<Literal>,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Op(Op),
    Word(String),
    Quoted(String),
}

fn tokenize(expr: &str) -> std::result::Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            '&' if next == Some('&') => {
                tokens.push(Token::And);
                i += 2;
            }
            '|' if next == Some('|') => {
                tokens.push(Token::Or);
                i += 2;
            }
            '!' if next == Some('=') => {
                tokens.push(Token::Op(Op::Ne));
                i += 2;
            }
            '!' => {
                tokens.push(Token::Not);
                i += 1;
            }
            '=' => {
                tokens.push(Token::Op(Op::Eq));
                i += if next == Some('=') { 2 } else { 1 };
            }
            '<' | '>' => {
                let eq = next == Some('=');
                tokens.push(Token::Op(match (c, eq) {
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    _ => Op::Ge,
                }));
                i += if eq { 2 } else { 1 };
            }
            '"' | '\'' => {
                let quote = c;
                let start = i + 1;
                let Some(len) = chars[start..].iter().position(|&x| x == quote) else {
                    return Err(format!("the quote at position {i} is not closed"));
                };
                tokens.push(Token::Quoted(chars[start..start + len].iter().collect()));
                i = start + len + 1;
            }
            '&' | '|' => return Err(format!("'{c}' at position {i}: did you mean '{c}{c}'?")),
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r()&|!=<>\"'".contains(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                tokens.push(match word.as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    "eq" => Token::Op(Op::Eq),
                    "ne" => Token::Op(Op::Ne),
                    "lt" => Token::Op(Op::Lt),
                    "le" => Token::Op(Op::Le),
                    "gt" => Token::Op(Op::Gt),
                    "ge" => Token::Op(Op::Ge),
                    _ => Token::Word(word),
                });
            }
        }
    }
    Ok(tokens)
}

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
        while let Some(Token::Word(_) | Token::Quoted(_)) = self.peek() {
            match self.next() {
                Some(Token::Word(v)) => values.push(match v.parse::<f64>() {
                    Ok(n) => Literal::Number(n),
                    Err(_) => Literal::Text(v),
                }),
                Some(Token::Quoted(v)) => values.push(Literal::Text(v)),
                _ => {}
            }
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
}

fn describe(t: &Token) -> String {
    match t {
        Token::LParen => "'('".into(),
        Token::RParen => "')'".into(),
        Token::And => "'&&'".into(),
        Token::Or => "'||'".into(),
        Token::Not => "'!'".into(),
        Token::Op(op) => format!("operator {op:?}"),
        Token::Word(w) => format!("'{w}'"),
        Token::Quoted(q) => format!("\"{q}\""),
    }
}

/// A selection as an error quotes it: whole, unless it is too long to read.
fn quoted(expr: &str) -> String {
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

/// The attribute a field reads, when it is one (population, node id, type and group are
/// always there).
fn attribute_of(field: &Field) -> Option<&str> {
    match field {
        Field::Soma(axis) => Some(["x", "y", "z"][*axis]),
        Field::Attribute(name) => Some(name),
        _ => None,
    }
}

fn check_attributes(
    expr: &Expr,
    populations: &[NodePopulation],
) -> std::result::Result<(), String> {
    match expr {
        Expr::Not(e) => check_attributes(e, populations),
        Expr::And(a, b) | Expr::Or(a, b) => {
            check_attributes(a, populations)?;
            check_attributes(b, populations)
        }
        Expr::Compare { field, .. } => match attribute_of(field) {
            Some(name) if !populations.iter().any(|p| p.attribute(name).is_some()) => {
                let mut known: Vec<&str> = populations
                    .iter()
                    .flat_map(|p| p.attribute_names())
                    .collect();
                known.sort_unstable();
                known.dedup();
                Err(format!(
                    "no node population has an attribute '{name}' (attributes: {})",
                    known.join(", ")
                ))
            }
            _ => Ok(()),
        },
        Expr::All | Expr::Nothing | Expr::Stride(_) | Expr::NodeSet(_) => Ok(()),
    }
}

fn compare_number(a: f64, op: Op, b: f64) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
    }
}

fn matches(cell: CellValue<'_>, op: Op, values: &[Literal]) -> bool {
    let one = |lit: &Literal| -> bool {
        match (cell, lit) {
            (CellValue::Missing, _) => false,
            (CellValue::Text(s), Literal::Text(t)) => match op {
                Op::Eq => s == t,
                Op::Ne => s != t,
                Op::Lt => s < t.as_str(),
                Op::Le => s <= t.as_str(),
                Op::Gt => s > t.as_str(),
                Op::Ge => s >= t.as_str(),
            },
            (CellValue::Text(s), Literal::Number(n)) => s
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| compare_number(v, op, *n)),
            (c, Literal::Number(n)) => c.as_f64().is_some_and(|v| compare_number(v, op, *n)),
            (c, Literal::Text(t)) => match (c.as_f64(), t.parse::<f64>()) {
                (Some(v), Ok(n)) => compare_number(v, op, n),
                _ => op == Op::Ne,
            },
        }
    };
    match op {
        Op::Ne => cell != CellValue::Missing && values.iter().all(one),
        _ => values.iter().any(one),
    }
}

/// Rows of one population matched by `expr`.
pub fn evaluate(
    expr: &Expr,
    pop: &NodePopulation,
    node_sets: Option<&NodeSets>,
) -> Result<Vec<bool>> {
    let n = pop.len();
    Ok(match expr {
        Expr::All => vec![true; n],
        Expr::Nothing => vec![false; n],
        Expr::Not(e) => evaluate(e, pop, node_sets)?
            .into_iter()
            .map(|b| !b)
            .collect(),
        Expr::And(a, b) => {
            let mut m = evaluate(a, pop, node_sets)?;
            let r = evaluate(b, pop, node_sets)?;
            m.iter_mut().zip(r).for_each(|(x, y)| *x &= y);
            m
        }
        Expr::Or(a, b) => {
            let mut m = evaluate(a, pop, node_sets)?;
            let r = evaluate(b, pop, node_sets)?;
            m.iter_mut().zip(r).for_each(|(x, y)| *x |= y);
            m
        }
        Expr::Stride(k) => (0..n).map(|i| (i as u64).is_multiple_of(*k)).collect(),
        Expr::NodeSet(name) => match node_sets.filter(|s| s.contains(name)) {
            Some(sets) => sets.evaluate(name, pop)?.to_mask(n),
            None => {
                return Err(SonataError::Selection {
                    expr: name.clone(),
                    message: format!("'{name}' is neither a keyword nor a node set"),
                });
            }
        },
        Expr::Compare { field, op, values } => match field {
            Field::Population => {
                let hit = matches(CellValue::Text(&pop.name), *op, values);
                vec![hit; n]
            }
            Field::NodeId => pop
                .node_ids
                .iter()
                .map(|&id| matches(CellValue::Int(id as i64), *op, values))
                .collect(),
            Field::NodeType => pop
                .node_type_ids
                .iter()
                .map(|&t| matches(CellValue::Int(t), *op, values))
                .collect(),
            Field::Group => pop
                .node_group_ids
                .iter()
                .map(|&g| matches(CellValue::Int(g), *op, values))
                .collect(),
            Field::Soma(axis) => {
                let name = ["x", "y", "z"][*axis];
                match pop.attribute(name) {
                    Some(col) => (0..n).map(|i| matches(col.get(i), *op, values)).collect(),
                    None => vec![false; n],
                }
            }
            Field::Attribute(name) => match pop.attribute(name) {
                Some(col) => (0..n).map(|i| matches(col.get(i), *op, values)).collect(),
                None => vec![false; n],
            },
        },
    })
}

/// Parses and evaluates `expr` over every population: the selected rows of each.
pub fn select(
    expr: &str,
    populations: &[NodePopulation],
    node_sets: Option<&NodeSets>,
) -> Result<BTreeMap<String, Selection>> {
    let parsed = parse_for(expr, populations)?;
    populations
        .iter()
        .map(|pop| {
            let mask = evaluate(&parsed, pop, node_sets).map_err(|e| match e {
                SonataError::Selection { message, .. } => SonataError::Selection {
                    expr: quoted(expr),
                    message,
                },
                other => other,
            })?;
            Ok((pop.name.clone(), Selection::from_mask(&mask)))
        })
        .collect()
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
}
