//! Reading NEST-style parameter dictionaries (the dynamics_params JSON of a node or edge type).
use serde_json::{Map, Value};

use super::error::{SimError, SimResult};

/// A NEST parameter dictionary with the model name for error messages.
pub struct Dict<'a> {
    pub model: &'a str,
    pub map: &'a Map<String, Value>,
}

impl<'a> Dict<'a> {
    pub fn new(model: &'a str, map: &'a Map<String, Value>) -> Self {
        Self { model, map }
    }

    fn bad(&self, message: String) -> SimError {
        SimError::BadParameter {
            model: self.model.to_string(),
            message,
        }
    }

    /// A number (JSON number or a bool, as NEST's dictionaries accept for doubles).
    pub fn f64(&self, name: &str) -> SimResult<Option<f64>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.bad(format!("{name} is not a number"))),
            Some(v) => Err(self.bad(format!("{name} must be a number, found {v}"))),
        }
    }

    /// `update_value(name, x)`: overwrite x when the dictionary has the entry.
    pub fn update(&self, name: &str, x: &mut f64) -> SimResult<bool> {
        match self.f64(name)? {
            Some(v) => {
                *x = v;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    pub fn update_bool(&self, name: &str, x: &mut bool) -> SimResult<()> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Bool(b)) => {
                *x = *b;
                Ok(())
            }
            Some(Value::Number(n)) => {
                *x = n.as_f64().unwrap_or(0.0) != 0.0;
                Ok(())
            }
            Some(v) => Err(self.bad(format!("{name} must be a boolean, found {v}"))),
        }
    }

    pub fn update_vec(&self, name: &str, x: &mut Vec<f64>) -> SimResult<bool> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Array(a)) => {
                let mut out = Vec::with_capacity(a.len());
                for v in a {
                    out.push(
                        v.as_f64()
                            .ok_or_else(|| self.bad(format!("{name} must hold numbers")))?,
                    );
                }
                *x = out;
                Ok(true)
            }
            Some(Value::Number(n)) => {
                *x = vec![n.as_f64().unwrap_or(f64::NAN)];
                Ok(true)
            }
            Some(v) => Err(self.bad(format!("{name} must be a list of numbers, found {v}"))),
        }
    }

    /// Names in the dictionary that the model does not know (NEST would refuse them).
    pub fn unknown(&self, known: &[&str]) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    pub fn check(&self, ok: bool, message: &str) -> SimResult<()> {
        if ok {
            Ok(())
        } else {
            Err(self.bad(message.to_string()))
        }
    }
}
