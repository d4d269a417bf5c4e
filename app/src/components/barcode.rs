//! GS1-128 barcodes (Code 128, code set C, FNC1) drawn as SVG, for SSCC package labels.

use leptos::prelude::*;

/// Bar and space widths of Code 128 symbols 0–105; 106 is the stop (seven elements).
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", "221312",
    "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", "221231", "213212",
    "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321", "232121",
    "111323", "131123", "131321", "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331",
    "132131", "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131", "311123",
    "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224", "111422", "121124",
    "121421", "141122", "141221", "112214", "112412", "122114", "122411", "142112", "142211", "241211", "221114",
    "413111", "241112", "134111", "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];
const START_C: usize = 105;
const FNC1: usize = 102;
const STOP: usize = 106;

/// The symbol values of a GS1-128 barcode for an even number of digits (application identifier
/// included): start C, FNC1, one symbol per digit pair, the mod-103 check symbol, stop.
pub fn gs1_128_symbols(digits: &str) -> Option<Vec<usize>> {
    if digits.is_empty() || !digits.len().is_multiple_of(2) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut symbols = vec![START_C, FNC1];
    symbols.extend(digits.as_bytes().chunks(2).map(|pair| usize::from((pair[0] - b'0') * 10 + (pair[1] - b'0'))));
    let check = symbols.iter().enumerate().map(|(i, s)| if i == 0 { *s } else { s * i }).sum::<usize>() % 103;
    symbols.push(check);
    symbols.push(STOP);
    Some(symbols)
}

/// Bars as (x, width) in modules, and the total width including both quiet zones.
fn bars(symbols: &[usize]) -> (Vec<(usize, usize)>, usize) {
    const QUIET: usize = 10;
    let mut x = QUIET;
    let mut out = Vec::new();
    for symbol in symbols {
        for (i, width) in PATTERNS[*symbol].bytes().map(|b| usize::from(b - b'0')).enumerate() {
            if i % 2 == 0 {
                out.push((x, width));
            }
            x += width;
        }
    }
    (out, x + QUIET)
}

/// An SSCC as a GS1-128 barcode with AI (00), and its human-readable line below.
#[component]
pub fn SsccBarcode(sscc: String) -> impl IntoView {
    let (bars, width) = gs1_128_symbols(&format!("00{sscc}")).map(|s| bars(&s)).unwrap_or_default();
    let label = format!("(00) {sscc}");
    view! {
        <figure class="inline-block" data-testid="sscc-barcode" data-sscc=sscc.clone()>
            <svg viewBox=format!("0 0 {width} 50") width=width * 2 height="100" role="img" aria-label=format!("SSCC {sscc}")
                xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none">
                <rect width=width height="50" fill="#fff"/>
                {bars.into_iter().map(|(x, w)| view! { <rect x=x y="0" width=w height="50" fill="#000"/> }).collect_view()}
            </svg>
            <figcaption class="mt-1 text-center font-mono text-sm tracking-wider">{label}</figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_digit_pairs_in_code_set_c_with_fnc1_and_the_check_symbol() {
        // (00) + SSCC 376104250021234569: start C, FNC1, then 00 37 61 04 25 00 21 23 45 69.
        let symbols = gs1_128_symbols("00376104250021234569").unwrap();
        assert_eq!(&symbols[..4], &[105, 102, 0, 37]);
        assert_eq!(symbols.len(), 2 + 10 + 2);
        let body: usize = symbols[..12].iter().enumerate().map(|(i, s)| if i == 0 { *s } else { s * i }).sum();
        assert_eq!(symbols[12], body % 103);
        assert_eq!(symbols[13], 106);
        assert!(gs1_128_symbols("123").is_none(), "odd digit count");
        assert!(gs1_128_symbols("12a4").is_none());
    }

    #[test]
    fn every_symbol_is_eleven_modules_and_the_stop_thirteen() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let modules: u32 = p.bytes().map(|b| u32::from(b - b'0')).sum();
            assert_eq!(modules, if i == STOP { 13 } else { 11 }, "symbol {i}");
        }
        let (_, width) = bars(&gs1_128_symbols("00376104250021234569").unwrap());
        assert_eq!(width, 10 + 13 * 11 + 13 + 10);
    }
}
