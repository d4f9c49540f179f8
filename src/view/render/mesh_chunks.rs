//! Splitting a mesh into pieces whose buffers stay within the device's limits (a single
//! reconstructed cell with a million points makes a tube mesh of hundreds of MB, more than
//! one buffer may hold). Without Bevy: plain vertex and index arrays.

/// One piece: its own vertices and indices into them (empty for a non-indexed piece).
#[derive(Clone, Debug, PartialEq)]
pub struct Chunk<V> {
    pub vertices: Vec<V>,
    pub indices: Vec<u32>,
}

/// Splits a mesh of primitives of `per` vertices (3 for triangles, 2 for lines) into chunks of
/// at most `max_vertices` vertices and `max_indices` indices, keeping whole primitives and
/// their order. A mesh within the limits comes back as one chunk, unchanged.
///
/// Indexed meshes are cut along their index list; each chunk carries the vertices its
/// primitives use, renumbered (a vertex shared by two chunks is in both).
pub fn split<V: Copy>(
    vertices: &[V],
    indices: &[u32],
    per: usize,
    max_vertices: usize,
    max_indices: usize,
) -> Vec<Chunk<V>> {
    let per = per.max(1);
    // Whole primitives per chunk, at least one.
    let whole = |max: usize| (max / per * per).max(per);
    if indices.is_empty() {
        let max_vertices = whole(max_vertices);
        if vertices.len() <= max_vertices {
            return vec![Chunk {
                vertices: vertices.to_vec(),
                indices: Vec::new(),
            }];
        }
        return vertices
            .chunks(max_vertices)
            .map(|c| Chunk {
                vertices: c.to_vec(),
                indices: Vec::new(),
            })
            .collect();
    }
    let (max_vertices, max_indices) = (max_vertices.max(per), whole(max_indices));
    if vertices.len() <= max_vertices && indices.len() <= max_indices {
        return vec![Chunk {
            vertices: vertices.to_vec(),
            indices: indices.to_vec(),
        }];
    }
    let mut chunks = Vec::new();
    let mut current = Chunk {
        vertices: Vec::new(),
        indices: Vec::new(),
    };
    // Old vertex index -> index in the current chunk (u32::MAX: not in it).
    let mut remap = vec![u32::MAX; vertices.len()];
    let mut used: Vec<u32> = Vec::new();
    for primitive in indices.chunks(per) {
        let new_vertices = primitive
            .iter()
            .filter(|&&i| remap.get(i as usize).is_some_and(|&r| r == u32::MAX))
            .count();
        if !current.indices.is_empty()
            && (current.vertices.len() + new_vertices > max_vertices
                || current.indices.len() + per > max_indices)
        {
            for &i in &used {
                remap[i as usize] = u32::MAX;
            }
            used.clear();
            chunks.push(std::mem::replace(
                &mut current,
                Chunk {
                    vertices: Vec::new(),
                    indices: Vec::new(),
                },
            ));
        }
        for &i in primitive {
            let Some(&vertex) = vertices.get(i as usize) else {
                // An index past the vertices: the primitive is dropped whole below.
                continue;
            };
            if remap[i as usize] == u32::MAX {
                remap[i as usize] = current.vertices.len() as u32;
                current.vertices.push(vertex);
                used.push(i);
            }
        }
        if primitive.len() == per && primitive.iter().all(|&i| (i as usize) < vertices.len()) {
            current
                .indices
                .extend(primitive.iter().map(|&i| remap[i as usize]));
        }
    }
    if !current.indices.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The primitives of chunks, as vertex values, in order.
    fn primitives(chunks: &[Chunk<u32>], per: usize) -> Vec<Vec<u32>> {
        chunks
            .iter()
            .flat_map(|c| {
                if c.indices.is_empty() {
                    c.vertices
                        .chunks(per)
                        .map(<[u32]>::to_vec)
                        .collect::<Vec<_>>()
                } else {
                    c.indices
                        .chunks(per)
                        .map(|p| p.iter().map(|&i| c.vertices[i as usize]).collect())
                        .collect()
                }
            })
            .collect()
    }

    #[test]
    fn indexed_mesh_splits_into_chunks_within_limits_with_the_same_triangles() {
        // A strip of 1000 triangles over 1002 vertices (vertex value = its index).
        let vertices: Vec<u32> = (0..1002).collect();
        let indices: Vec<u32> = (0..1000u32).flat_map(|t| [t, t + 1, t + 2]).collect();
        let chunks = split(&vertices, &indices, 3, 100, 90);
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(c.vertices.len() <= 100, "{} vertices", c.vertices.len());
            assert!(c.indices.len() <= 90, "{} indices", c.indices.len());
            assert!(c.indices.iter().all(|&i| (i as usize) < c.vertices.len()));
        }
        let whole = vec![Chunk {
            vertices: vertices.clone(),
            indices: indices.clone(),
        }];
        assert_eq!(primitives(&chunks, 3), primitives(&whole, 3));
    }

    #[test]
    fn non_indexed_lines_split_on_whole_segments() {
        let vertices: Vec<u32> = (0..11).collect();
        let chunks = split(&vertices, &[], 2, 5, 0);
        // 5 is rounded down to 4 vertices (2 segments) per chunk.
        assert_eq!(
            chunks.iter().map(|c| c.vertices.len()).collect::<Vec<_>>(),
            [4, 4, 3]
        );
        assert_eq!(chunks[1].vertices, [4, 5, 6, 7]);
    }

    #[test]
    fn a_mesh_within_limits_is_one_unchanged_chunk() {
        let vertices: Vec<u32> = (0..4).collect();
        let indices = [0, 1, 2, 2, 1, 3];
        let chunks = split(&vertices, &indices, 3, 4, 6);
        assert_eq!(
            chunks,
            [Chunk {
                vertices: vertices.clone(),
                indices: indices.to_vec(),
            }]
        );
    }
}
