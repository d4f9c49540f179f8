//! `Selection`: sorted, disjoint half-open ranges of node (or edge) ids, as libsonata has them.
// Ranges are what this module holds: a one-range list is a value here, not a mistake.
#![allow(clippy::single_range_in_vec_init)]

use std::ops::Range;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    ranges: Vec<Range<u64>>,
}

impl Selection {
    pub fn empty() -> Self {
        Self::default()
    }

    /// From arbitrary ranges: sorted, empty ones dropped, overlapping and touching ones merged.
    pub fn from_ranges(ranges: impl IntoIterator<Item = Range<u64>>) -> Self {
        let mut ranges: Vec<Range<u64>> = ranges.into_iter().filter(|r| r.start < r.end).collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        Self { ranges: merged }
    }

    /// From ids in any order (duplicates allowed).
    pub fn from_ids(ids: impl IntoIterator<Item = u64>) -> Self {
        let mut ids: Vec<u64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut ranges: Vec<Range<u64>> = Vec::new();
        for id in ids {
            match ranges.last_mut() {
                Some(last) if last.end == id => last.end = id + 1,
                _ => ranges.push(id..id + 1),
            }
        }
        Self { ranges }
    }

    /// Rows `i` where `mask[i]` holds.
    pub fn from_mask(mask: &[bool]) -> Self {
        let mut ranges: Vec<Range<u64>> = Vec::new();
        let mut start: Option<usize> = None;
        for (i, &m) in mask.iter().enumerate() {
            match (m, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    ranges.push(s as u64..i as u64);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            ranges.push(s as u64..mask.len() as u64);
        }
        Self { ranges }
    }

    pub fn all(len: usize) -> Self {
        Self {
            ranges: if len == 0 {
                Vec::new()
            } else {
                vec![0..len as u64]
            },
        }
    }

    pub fn ranges(&self) -> &[Range<u64>] {
        &self.ranges
    }

    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| r.end - r.start).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn contains(&self, id: u64) -> bool {
        let i = self.ranges.partition_point(|r| r.end <= id);
        self.ranges.get(i).is_some_and(|r| r.start <= id)
    }

    pub fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.ranges.iter().flat_map(|r| r.clone())
    }

    pub fn to_mask(&self, len: usize) -> Vec<bool> {
        let mut mask = vec![false; len];
        for r in &self.ranges {
            let end = (r.end as usize).min(len);
            for m in mask.iter_mut().take(end).skip(r.start as usize) {
                *m = true;
            }
        }
        mask
    }

    pub fn union(&self, other: &Selection) -> Selection {
        Self::from_ranges(self.ranges.iter().chain(other.ranges.iter()).cloned())
    }

    pub fn intersection(&self, other: &Selection) -> Selection {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (&self.ranges[i], &other.ranges[j]);
            let start = a.start.max(b.start);
            let end = a.end.min(b.end);
            if start < end {
                out.push(start..end);
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { ranges: out }
    }

    /// Ids in `0..len` not in this selection.
    pub fn complement(&self, len: u64) -> Selection {
        let mut out = Vec::new();
        let mut next = 0;
        for r in &self.ranges {
            if r.start > next {
                out.push(next..r.start.min(len));
            }
            next = next.max(r.end);
        }
        if next < len {
            out.push(next..len);
        }
        Self::from_ranges(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_algebra() {
        let a = Selection::from_ids([1, 2, 3, 7, 8]);
        let b = Selection::from_ranges([2..8]);
        assert_eq!(a.ranges(), &[1..4, 7..9]);
        assert_eq!(a.intersection(&b).ids().collect::<Vec<_>>(), vec![2, 3, 7]);
        assert_eq!(a.union(&b).ranges(), &[1..9]);
        assert_eq!(a.complement(10).ranges(), &[0..1, 4..7, 9..10]);
        assert!(a.contains(7) && !a.contains(5));
        assert_eq!(
            Selection::from_mask(&[true, true, false, true]).ranges(),
            &[0..2, 3..4]
        );
    }
}
