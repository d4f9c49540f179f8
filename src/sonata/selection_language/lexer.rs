//! Selection strings split into tokens: parentheses, commas, `&&` `||` `!` (and `and or not`),
//! comparison operators, words and quoted names.

use super::syntax::Op;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Token {
    LParen,
    RParen,
    Comma,
    And,
    Or,
    Not,
    Op(Op),
    Word(String),
    Quoted(String),
}

pub(super) fn tokenize(expr: &str) -> std::result::Result<Vec<Token>, String> {
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
            ',' => {
                tokens.push(Token::Comma);
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
                while i < chars.len() && !" \t\n\r(),&|!=<>\"'".contains(chars[i]) {
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
