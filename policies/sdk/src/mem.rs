//! `memcmp` for WebAssembly, eight bytes at a time. The C library of `wasm32-wasip2` compares
//! byte by byte, and policies compare many strings with long common beginnings (ARNs as map
//! keys, sorted, looked up): in the IAM policy that byte loop was a tenth of the evaluation.
//! The linker takes this definition before the C library's; natively it is only tested.
// The C library's contract: raw pointers, every read within the `n` bytes the caller vouches for.
#![allow(unsafe_code)]

/// Compare `n` bytes at `a` and `b` as unsigned bytes: negative, zero or positive as `a` sorts
/// before, with or after `b`.
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg_attr(target_arch = "wasm32", unsafe(no_mangle))]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, and both are valid for n bytes.
        let (x, y) = unsafe { (a.add(i).cast::<u64>().read_unaligned(), b.add(i).cast::<u64>().read_unaligned()) };
        if x != y {
            // Little-endian: the first differing byte is the lowest differing one.
            let shift = (x ^ y).trailing_zeros() / 8 * 8;
            return i32::from((x >> shift) as u8) - i32::from((y >> shift) as u8);
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

#[cfg(test)]
mod tests {
    #[test]
    fn orders_as_slices_do_at_every_length_and_offset() {
        let base: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
        for n in 0..base.len() {
            for at in 0..n {
                for delta in [1u8, 0x7f, 0x80, 0xff] {
                    let mut other = base.clone();
                    other[at] = other[at].wrapping_add(delta);
                    let (a, b) = (&base[..n], &other[..n]);
                    // SAFETY: both slices hold n bytes.
                    let got = unsafe { super::memcmp(a.as_ptr(), b.as_ptr(), n) };
                    assert_eq!(got.signum(), a.cmp(b) as i32, "n {n}, byte {at}, +{delta}");
                    // SAFETY: as above.
                    assert_eq!(unsafe { super::memcmp(b.as_ptr(), a.as_ptr(), n) }.signum(), b.cmp(a) as i32);
                }
            }
            // SAFETY: as above.
            assert_eq!(unsafe { super::memcmp(base.as_ptr(), base.as_ptr(), n) }, 0);
        }
    }
}
