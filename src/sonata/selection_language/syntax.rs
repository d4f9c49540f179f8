//! What a parsed selection is: conditions on attributes, activity, wiring and distance,
//! combined with `&&`, `||` and `!`.

#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Population,
    NodeId,
    NodeType,
    Group,
    /// `soma x` / `x`: 0, 1, 2.
    Soma(usize),
    Attribute(String),
    /// `rate` (Hz over the run) or `rate(T0, T1)` (Hz over that window of model time).
    Rate(Option<Window>),
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

/// A closed window of model time, ms: `start <= t <= end`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start_ms: f64,
    pub end_ms: f64,
}

impl Window {
    pub fn contains(&self, t: f64) -> bool {
        self.start_ms <= t && t <= self.end_ms
    }
}

/// Which partners `pre of` / `post of` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Presynaptic: sources of edges whose target is selected.
    Pre,
    /// Postsynaptic: targets of edges whose source is selected.
    Post,
}

impl Side {
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Pre => "pre of",
            Self::Post => "post of",
        }
    }
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
    /// `spiked` (any spike loaded) or `spiked(T0, T1)` (a spike with T0 <= t <= T1).
    Spiked(Option<Window>),
    /// `silent`: no spike in the loaded spikes.
    Silent,
    /// `pre of (EXPR)` / `post of (EXPR)`, through every edge population or the one `via` names.
    Partners {
        side: Side,
        of: Box<Expr>,
        via: Option<String>,
    },
    /// `within R of (EXPR)`: soma within R µm of a soma that EXPR selects (itself included).
    Within {
        radius_um: f64,
        of: Box<Expr>,
    },
    /// `within R of probe`: soma within R µm of a recording site of the placed probe.
    WithinProbe {
        radius_um: f64,
    },
}

impl Expr {
    /// Whether evaluating it reads more than node attributes, positions and node sets: spikes
    /// (`rate`, `spiked`, `silent`), edges (`pre of`, `post of`) or the probe's sites.
    pub fn reads_context(&self) -> bool {
        match self {
            Self::Spiked(_) | Self::Silent | Self::Partners { .. } | Self::WithinProbe { .. } => {
                true
            }
            Self::Compare { field, .. } => matches!(field, Field::Rate(_)),
            Self::Not(e) | Self::Within { of: e, .. } => e.reads_context(),
            Self::And(a, b) | Self::Or(a, b) => a.reads_context() || b.reads_context(),
            Self::All | Self::Nothing | Self::Stride(_) | Self::NodeSet(_) => false,
        }
    }
}
