//! SWC reader, following MorphIO's `morphologySWC.cpp`: ids need not be consecutive or sorted,
//! extra columns are ignored, types 1..=19 are accepted, and the soma is classified as MorphIO
//! does (one point, NeuroMorpho three points, or stacked cylinders). Errors name file:line.

use std::collections::HashMap;
use std::path::Path;

use super::error::{MorphologyError, Result};
use super::{Morphology, Section, SectionType, Soma, SomaKind};

/// One data line of an SWC file.
#[derive(Clone, Debug)]
struct Sample {
    id: u64,
    section_type: SectionType,
    point: [f32; 3],
    radius: f32,
    /// `None` for a root (`-1`).
    parent: Option<u64>,
    line: usize,
}

/// Reads an SWC file.
pub fn read(path: &Path) -> Result<Morphology> {
    let text = std::fs::read_to_string(path).map_err(|source| MorphologyError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Parses SWC text; `path` is only used in messages.
pub fn parse(path: &Path, text: &str) -> Result<Morphology> {
    let samples = read_samples(path, text)?;
    Builder::new(path, samples)?.build()
}

fn read_samples(path: &Path, text: &str) -> Result<Vec<Sample>> {
    let mut samples = Vec::new();
    for (index, raw_line) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw_line.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = content.split_whitespace().collect();
        if fields.len() < 7 {
            return Err(MorphologyError::swc(
                path,
                line,
                format!(
                    "expected 7 columns (id type x y z radius parent), found {}",
                    fields.len()
                ),
            ));
        }
        let int = |col: usize, what: &str| -> Result<i64> {
            parse_int(fields[col]).ok_or_else(|| {
                MorphologyError::swc(
                    path,
                    line,
                    format!(
                        "column {} ({what}) is not an integer: '{}'",
                        col + 1,
                        fields[col]
                    ),
                )
            })
        };
        let float = |col: usize, what: &str| -> Result<f32> {
            fields[col]
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    MorphologyError::swc(
                        path,
                        line,
                        format!(
                            "column {} ({what}) is not a number: '{}'",
                            col + 1,
                            fields[col]
                        ),
                    )
                })
        };
        let id = int(0, "id")?;
        let id = u64::try_from(id)
            .map_err(|_| MorphologyError::swc(path, line, format!("negative id {id}")))?;
        let raw_type = int(1, "type")?;
        let section_type = SectionType::from_raw(raw_type).ok_or_else(|| {
            MorphologyError::swc(
                path,
                line,
                format!("unsupported section type {raw_type} (expected 1..=19)"),
            )
        })?;
        let point = [float(2, "x")?, float(3, "y")?, float(4, "z")?];
        let radius = float(5, "radius")?;
        let parent = match int(6, "parent")? {
            -1 => None,
            p if p < -1 => {
                return Err(MorphologyError::swc(
                    path,
                    line,
                    format!("negative parent id {p}"),
                ));
            }
            p => Some(p as u64),
        };
        if parent == Some(id) {
            return Err(MorphologyError::swc(
                path,
                line,
                format!("sample {id} is its own parent"),
            ));
        }
        samples.push(Sample {
            id,
            section_type,
            point,
            radius,
            parent,
            line,
        });
    }
    Ok(samples)
}

/// Integers as SWC writers write them, `12` or `12.0`.
fn parse_int(s: &str) -> Option<i64> {
    if let Ok(v) = s.parse::<i64>() {
        return Some(v);
    }
    let v = s.parse::<f64>().ok()?;
    (v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
}

/// A sample whose chain of parents comes back to it, if any (such samples reach no root, so
/// they would otherwise be left out without a word).
fn sample_in_cycle(parent_index: &[Option<usize>]) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        Not,
        OnChain,
        ReachesRoot,
    }
    let mut seen = vec![Seen::Not; parent_index.len()];
    let mut chain = Vec::new();
    for start in 0..parent_index.len() {
        chain.clear();
        let mut at = Some(start);
        while let Some(i) = at {
            match seen[i] {
                Seen::ReachesRoot => break,
                Seen::OnChain => return Some(i),
                Seen::Not => {
                    seen[i] = Seen::OnChain;
                    chain.push(i);
                    at = parent_index[i];
                }
            }
        }
        for &i in &chain {
            seen[i] = Seen::ReachesRoot;
        }
    }
    None
}

struct Builder<'a> {
    path: &'a Path,
    samples: Vec<Sample>,
    /// Children of each sample (indices into `samples`), in file order.
    children: Vec<Vec<usize>>,
    parent_index: Vec<Option<usize>>,
    warnings: Vec<String>,
}

/// Work item of the depth-first section assembly.
struct Pending {
    sample: usize,
    parent_section: Option<usize>,
    /// The parent's last point and radius; `None` for a root section.
    start: Option<([f32; 3], f32)>,
}

impl<'a> Builder<'a> {
    fn new(path: &'a Path, samples: Vec<Sample>) -> Result<Self> {
        let mut by_id: HashMap<u64, usize> = HashMap::with_capacity(samples.len());
        for (i, s) in samples.iter().enumerate() {
            if let Some(&first) = by_id.get(&s.id) {
                return Err(MorphologyError::swc(
                    path,
                    s.line,
                    format!(
                        "repeated id {} (first on line {})",
                        s.id, samples[first].line
                    ),
                ));
            }
            by_id.insert(s.id, i);
        }
        let mut children = vec![Vec::new(); samples.len()];
        let mut parent_index = vec![None; samples.len()];
        for (i, s) in samples.iter().enumerate() {
            if let Some(parent) = s.parent {
                let &p = by_id.get(&parent).ok_or_else(|| {
                    MorphologyError::swc(
                        path,
                        s.line,
                        format!(
                            "sample {} has parent {parent}, which is not in the file",
                            s.id
                        ),
                    )
                })?;
                children[p].push(i);
                parent_index[i] = Some(p);
            }
        }
        if let Some(i) = sample_in_cycle(&parent_index) {
            return Err(MorphologyError::swc(
                path,
                samples[i].line,
                format!(
                    "sample {} is its own ancestor: its parents form a cycle",
                    samples[i].id
                ),
            ));
        }
        Ok(Self {
            path,
            samples,
            children,
            parent_index,
            warnings: Vec::new(),
        })
    }

    fn is_soma(&self, i: usize) -> bool {
        self.samples[i].section_type == SectionType::SOMA
    }

    fn build(mut self) -> Result<Morphology> {
        for s in &self.samples {
            if s.parent.is_none() && s.section_type != SectionType::SOMA {
                self.warnings.push(format!(
                    "{}:{}: neurite not connected to a soma",
                    self.path.display(),
                    s.line
                ));
            }
        }
        let soma = self.build_soma()?;
        let roots: Vec<usize> = (0..self.samples.len())
            .filter(|&i| self.samples[i].parent.is_none() || self.is_soma(i))
            .collect();
        let mut sections = Vec::new();
        for root in roots {
            if self.is_soma(root) {
                if soma.kind == SomaKind::NeuroMorphoThreePoint
                    && self.samples[root].id != 1
                    && !self.children[root].is_empty()
                {
                    self.warnings.push(format!(
                        "{}:{}: neurites of a three-point soma should start from its first point",
                        self.path.display(),
                        self.samples[root].line
                    ));
                }
                let starts: Vec<usize> = self.children[root]
                    .iter()
                    .copied()
                    .filter(|&c| !self.is_soma(c))
                    .collect();
                for child in starts {
                    self.assemble(child, &mut sections)?;
                }
            } else if !self.children[root].is_empty() {
                self.assemble(root, &mut sections)?;
            }
        }
        Ok(Morphology {
            soma,
            sections,
            warnings: self.warnings,
        })
    }

    fn build_soma(&mut self) -> Result<Soma> {
        let soma: Vec<usize> = (0..self.samples.len())
            .filter(|&i| self.is_soma(i))
            .collect();
        let take = |samples: &[Sample], idx: &[usize]| {
            (
                idx.iter().map(|&i| samples[i].point).collect::<Vec<_>>(),
                idx.iter().map(|&i| samples[i].radius).collect::<Vec<_>>(),
            )
        };
        for &i in &soma {
            if let Some(p) = self.parent_index[i]
                && !self.is_soma(p)
            {
                return Err(MorphologyError::swc(
                    self.path,
                    self.samples[i].line,
                    "soma point has a neurite parent",
                ));
            }
        }
        match soma.len() {
            0 => {
                self.warnings
                    .push(format!("{}: no soma found", self.path.display()));
                Ok(Soma {
                    kind: SomaKind::Undefined,
                    points: Vec::new(),
                    radii: Vec::new(),
                })
            }
            1 => {
                let (points, radii) = take(&self.samples, &soma);
                Ok(Soma {
                    kind: SomaKind::SinglePoint,
                    points,
                    radii,
                })
            }
            3 if self.is_neuromorpho_layout(&soma) => {
                let (points, radii) = take(&self.samples, &soma);
                if let Some(problem) = three_point_problem(&points, radii[0]) {
                    self.warnings.push(format!(
                        "{}: three-point soma does not conform to NeuroMorpho's layout: {problem}",
                        self.path.display()
                    ));
                }
                Ok(Soma {
                    kind: SomaKind::NeuroMorphoThreePoint,
                    points,
                    radii,
                })
            }
            _ => {
                let roots: Vec<usize> = soma
                    .iter()
                    .copied()
                    .filter(|&i| self.samples[i].parent.is_none())
                    .collect();
                if roots.len() > 1 {
                    let lines: Vec<String> = roots
                        .iter()
                        .map(|&i| self.samples[i].line.to_string())
                        .collect();
                    return Err(MorphologyError::swc(
                        self.path,
                        self.samples[roots[1]].line,
                        format!("multiple somata (soma roots on lines {})", lines.join(", ")),
                    ));
                }
                for &i in &soma {
                    let soma_children = self.children[i]
                        .iter()
                        .filter(|&&c| self.is_soma(c))
                        .count();
                    if self.samples[i].parent.is_some() && soma_children > 1 {
                        return Err(MorphologyError::swc(
                            self.path,
                            self.samples[i].line,
                            "the soma bifurcates away from its root point",
                        ));
                    }
                }
                let (points, radii) = take(&self.samples, &soma);
                Ok(Soma {
                    kind: SomaKind::Cylinders,
                    points,
                    radii,
                })
            }
        }
    }

    /// Ids 1, 2, 3 with parents -1, 1, 1 (MorphIO's test for a NeuroMorpho soma).
    fn is_neuromorpho_layout(&self, soma: &[usize]) -> bool {
        let s = |k: usize| &self.samples[soma[k]];
        s(0).id == 1
            && s(0).parent.is_none()
            && s(1).id == 2
            && s(1).parent == Some(1)
            && s(2).id == 3
            && s(2).parent == Some(1)
    }

    /// Builds the section tree that starts at `first`, depth first (MorphIO's order).
    fn assemble(&self, first: usize, sections: &mut Vec<Section>) -> Result<()> {
        let mut stack = vec![Pending {
            sample: first,
            parent_section: None,
            start: None,
        }];
        while let Some(item) = stack.pop() {
            let mut points = Vec::new();
            let mut radii = Vec::new();
            if let Some((point, radius)) = item.start
                && self.samples[item.sample].point != point
            {
                points.push(point);
                radii.push(radius);
            }
            let mut id = item.sample;
            while self.children[id].len() == 1 {
                let child = self.children[id][0];
                if self.samples[child].section_type != self.samples[id].section_type {
                    return Err(MorphologyError::swc(
                        self.path,
                        self.samples[id].line,
                        "section type changes without a bifurcation",
                    ));
                }
                points.push(self.samples[id].point);
                radii.push(self.samples[id].radius);
                id = child;
            }
            let last = &self.samples[id];
            points.push(last.point);
            radii.push(last.radius);
            let index = sections.len();
            sections.push(Section {
                section_type: last.section_type,
                parent: item.parent_section,
                points,
                radii,
            });
            for &child in self.children[id].iter().rev() {
                stack.push(Pending {
                    sample: child,
                    parent_section: Some(index),
                    start: Some((last.point, last.radius)),
                });
            }
        }
        Ok(())
    }
}

/// MorphIO's `checkNeuroMorphoSoma`: the three points must differ along exactly one axis, by
/// minus and plus the radius. Returns what is wrong, or `None` when the soma conforms.
fn three_point_problem(points: &[[f32; 3]], radius: f32) -> Option<String> {
    let close = |a: f32, b: f32| {
        let diff = (a - b).abs();
        diff < 1e-6 || diff <= a.abs().max(b.abs()) * f32::EPSILON
    };
    let same: Vec<bool> = (0..3)
        .map(|k| close(points[0][k], points[1][k]) && close(points[0][k], points[2][k]))
        .collect();
    match same.iter().filter(|&&s| s).count() {
        0 => return Some("no coordinate is shared by the three points".to_owned()),
        1 => return Some("only one coordinate is shared by the three points".to_owned()),
        3 => return Some("the three points are equal".to_owned()),
        _ => {}
    }
    let col = same.iter().position(|&s| !s)?;
    let (c, a, b) = (points[0][col], points[1][col], points[2][col]);
    let symmetric = (close(c, a + radius) && close(c, b - radius))
        || (close(c, a - radius) && close(c, b + radius));
    (!symmetric).then(|| "points 2 and 3 are not at minus and plus the radius".to_owned())
}
