//! Section numbers as NEURON gives them to an instantiated morphology, and as compartment
//! reports name them in `element_ids` (neurodamus; BMTK keeps NEURON's order too): 0 is the
//! soma, then the axon sections, the basal dendrites, the apical dendrites and any custom
//! types, each group in the file's (MorphIO's depth-first) order, the way NEURON's Import3d
//! fills its `axon[]`, `dend[]` and `apic[]` arrays.

use super::{Morphology, SectionType};

/// The element id of the soma.
pub const SOMA_ID: u32 = 0;

/// Rank of a section type among NEURON's arrays: axon, dend, apic, then the rest.
fn group(ty: SectionType) -> u8 {
    match ty {
        SectionType::AXON => 0,
        SectionType::BASAL_DENDRITE => 1,
        SectionType::APICAL_DENDRITE => 2,
        _ => 3,
    }
}

/// For each section of `m` (by index into [`Morphology::sections`]), its NEURON section id.
pub fn neuron_section_ids(m: &Morphology) -> Vec<u32> {
    let mut order: Vec<usize> = (0..m.sections.len()).collect();
    order.sort_by_key(|&i| (group(m.sections[i].section_type), i));
    let mut ids = vec![0u32; m.sections.len()];
    for (rank, i) in order.into_iter().enumerate() {
        ids[i] = rank as u32 + 1;
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::morphology::{Section, Soma, SomaKind};

    fn section(ty: u8) -> Section {
        Section {
            section_type: SectionType(ty),
            parent: None,
            points: vec![[0.0; 3], [1.0, 0.0, 0.0]],
            radii: vec![1.0, 1.0],
        }
    }

    #[test]
    fn axon_then_basal_then_apical_each_in_file_order() {
        let m = Morphology {
            soma: Soma {
                kind: SomaKind::SinglePoint,
                points: vec![[0.0; 3]],
                radii: vec![5.0],
            },
            sections: [3, 4, 2, 3, 7, 2].into_iter().map(section).collect(),
            warnings: Vec::new(),
        };
        // Axons (indices 2, 5) get 1, 2; basal (0, 3) 3, 4; apical (1) 5; custom (4) 6.
        assert_eq!(neuron_section_ids(&m), vec![3, 5, 1, 4, 6, 2]);
    }
}
