//! The page's fixed parts: the colour key and the inline stylesheet (light and dark themes,
//! print rules).

pub(super) fn key(out: &mut String) {
    out.push_str(KEY_HTML);
}

const KEY_HTML: &str = "<section class=\"card\" aria-labelledby=\"key\">
<h2 id=\"key\">How to read it</h2>
<ul class=\"key\">
<li><span class=\"sent sourced src-0\">coloured</span><span class=\"tag\">1 verbatim</span> taken from the source of that colour and number; the tag says how: <b>verbatim</b> word for word, <b>spun</b> a few words swapped for others, <b>edited</b> longer runs rewritten, added or dropped, <b>reordered</b> taken out of the source's order, <b>paraphrased</b> said again in other words</li>
<li><span class=\"sent sourced quoted src-0\">dashed</span> a quotation both share: shown, not counted</li>
<li><span class=\"sent phrase\">grey, dotted</span><span class=\"tag\">phrase</span> a phrase match: too thin to count as a source</li>
<li><span class=\"sent original\">plain</span><span class=\"tag\">original</span> no earlier source found in the index</li>
<li><span class=\"sent common\">italic</span><span class=\"tag\">boilerplate</span> text found in many documents, or the title again</li>
<li><mark class=\"d-sub\">marked</mark> words replaced · <ins class=\"d-ins\">underlined</ins> added by the article · <del class=\"d-del\">struck</del> left out of it</li>
</ul>
</section>
";

pub(super) const CSS: &str = r#":root{color-scheme:light dark;--bg:#f6f7f9;--surface:#fff;--fg:#1b1f24;--muted:#5b6470;--border:#d5dae1;--ins-bg:#d3f5dc;--ins-fg:#0b5c23;--del-bg:#fbdada;--del-fg:#8a1313;--sub-bg:#ffe58a;--sub-fg:#4a3500;--v-original:#15803d;--v-copy:#b91c1c;--v-patchwork:#b45309;--v-partly:#7e22ce;--phrase-bg:#eceef2;--phrase-line:#8a93a0;--phrase-fg:#3d444d;
--s0:#2563eb;--s0-bg:#dbeafe;--s1:#c2410c;--s1-bg:#ffedd5;--s2:#15803d;--s2-bg:#dcfce7;--s3:#7e22ce;--s3-bg:#f3e8ff;--s4:#0f766e;--s4-bg:#ccfbf1;--s5:#be185d;--s5-bg:#fce7f3;--s6:#a16207;--s6-bg:#fef3c7;--s7:#4d7c0f;--s7-bg:#ecfccb}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--surface:#181c22;--fg:#e6e9ee;--muted:#9aa4b1;--border:#2e3540;--ins-bg:#12452a;--ins-fg:#b6f5c8;--del-bg:#541c1c;--del-fg:#ffc2c2;--sub-bg:#5c4800;--sub-fg:#ffe9a3;--v-original:#4ade80;--v-copy:#f87171;--v-patchwork:#fbbf24;--v-partly:#d8b4fe;--phrase-bg:#262b33;--phrase-line:#7b8594;--phrase-fg:#c3cad4;
--s0:#60a5fa;--s0-bg:#1c3559;--s1:#fb923c;--s1-bg:#4a2511;--s2:#4ade80;--s2-bg:#14422a;--s3:#c084fc;--s3-bg:#3b1d5a;--s4:#2dd4bf;--s4-bg:#123f3b;--s5:#f472b6;--s5-bg:#4d1a33;--s6:#facc15;--s6-bg:#423a0c;--s7:#a3e635;--s7-bg:#2c3a12}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
code{font-family:ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.9em;overflow-wrap:anywhere}
a{color:inherit}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0}
h2{font-size:1.2rem;margin:0 0 .6rem}
h3{font-size:1rem;margin:0 0 .5rem}
.brand{margin:0;color:var(--muted);font-weight:600;letter-spacing:.02em}
.meta,.hint{color:var(--muted);font-size:.9rem}
.card{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:1rem 1.2rem;margin:1rem 0}
.verdict{border-left:8px solid var(--v)}
.verdict-original{--v:var(--v-original)}.verdict-copy{--v:var(--v-copy)}.verdict-patchwork{--v:var(--v-patchwork)}.verdict-partly{--v:var(--v-partly)}
.verdict .kind{color:var(--v);text-transform:uppercase;letter-spacing:.04em}
.meter{display:flex;height:.8rem;border-radius:4px;overflow:hidden;background:var(--border);margin:.4rem 0 .8rem;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.meter span{background:var(--swatch)}
.summary{font-weight:600}
.origins,.flags,.key{padding-left:1.2rem;margin:.4rem 0}
.key li{margin:.3rem 0}
.left-out{color:var(--muted)}
.src-0{--swatch:var(--s0);--swatch-bg:var(--s0-bg)}.src-1{--swatch:var(--s1);--swatch-bg:var(--s1-bg)}.src-2{--swatch:var(--s2);--swatch-bg:var(--s2-bg)}.src-3{--swatch:var(--s3);--swatch-bg:var(--s3-bg)}.src-4{--swatch:var(--s4);--swatch-bg:var(--s4-bg)}.src-5{--swatch:var(--s5);--swatch-bg:var(--s5-bg)}.src-6{--swatch:var(--s6);--swatch-bg:var(--s6-bg)}.src-7{--swatch:var(--s7);--swatch-bg:var(--s7-bg)}
.phrase{--swatch:var(--phrase-line);--swatch-bg:var(--phrase-bg)}
.swatch{display:inline-block;min-width:1.6em;text-align:center;border-radius:4px;background:var(--swatch);color:var(--surface);font-weight:700;font-size:.85rem;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.sources{list-style:none;padding:0;margin:0}
.sources li{display:flex;gap:.7rem;align-items:flex-start;border-left:4px solid var(--swatch);padding:.3rem .6rem;margin:.5rem 0}
.sources p{margin:0}
.sources li>div{min-width:0;overflow-wrap:anywhere}
.doc-title{font-style:italic}
.article{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.9}
.title-row{font-weight:700;font-size:1.1rem}
.title-row .label{font-size:.75rem;text-transform:uppercase;color:var(--muted);margin-right:.4rem}
.sent{border-radius:3px;padding:.05em .1em;-webkit-box-decoration-break:clone;box-decoration-break:clone;print-color-adjust:exact;-webkit-print-color-adjust:exact}
.sent.sourced{background:var(--swatch-bg);border-bottom:3px solid var(--swatch)}
.sent.quoted{border-bottom-style:dashed}
.sent.phrase{background:var(--phrase-bg);color:var(--phrase-fg);border-bottom:2px dotted var(--phrase-line)}
.sent.common,.sent.title{color:var(--muted);font-style:italic}
.tag{display:inline-block;font-size:.7rem;line-height:1.3;font-weight:700;white-space:nowrap;border:1px solid var(--border);border-radius:999px;padding:0 .4em;margin:0 .35em 0 .2em;color:var(--muted);text-decoration:none;vertical-align:.15em;font-style:normal}
.sourced+.tag{color:var(--fg);border-color:var(--swatch)}
a.tag:hover{text-decoration:underline}
.sbs{border-left:4px solid var(--swatch);padding:.5rem .8rem;margin:1rem 0;break-inside:avoid;page-break-inside:avoid}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8rem}
.side{border:1px solid var(--border);border-radius:8px;padding:.5rem .7rem}
.side-source{background:var(--swatch-bg);print-color-adjust:exact;-webkit-print-color-adjust:exact}
.side-head{margin:0 0 .3rem;font-size:.8rem;font-weight:700;color:var(--muted)}
.text{margin:0;overflow-wrap:anywhere}
.unaligned,.context{color:var(--muted)}
.spins,.evidence{margin:.5rem 0 0;font-size:.9rem}
.spins .from{text-decoration:line-through}.spins .to{font-weight:700}
ins.d-ins{background:var(--ins-bg);color:var(--ins-fg);text-decoration:underline;border-radius:3px}
del.d-del{background:var(--del-bg);color:var(--del-fg);text-decoration:line-through;border-radius:3px}
mark.d-sub{background:var(--sub-bg);color:var(--sub-fg);font-weight:700;border-radius:3px;padding:0 .1em}
ins,del,mark{print-color-adjust:exact;-webkit-print-color-adjust:exact}
footer{margin:1rem 0 2rem}
@media (max-width:40rem){.pair{grid-template-columns:1fr}main{padding:.5rem}.card{padding:.8rem}}
@media print{:root{--bg:#fff;--surface:#fff}body{font-size:11pt}main{max-width:none;padding:0}.card{border:none;padding:0;margin:0 0 1rem}.verdict{border-left:6px solid var(--v);padding-left:.6rem}a.tag{text-decoration:none}h2{break-after:avoid}}
"#;
