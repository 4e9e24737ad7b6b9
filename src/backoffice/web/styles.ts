// The back office's one stylesheet, served from our origin (the CSP allows no inline style).
// Colours meet WCAG 2.1 AA contrast on white; every control shows a high-contrast focus ring.
export const backofficeCss = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.45;color:#0b0c0c;background:#fff}
a{color:#1d70b8;text-decoration:underline;text-underline-offset:.15em}
a:visited{color:#4c2c92}
a:hover{color:#003078}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus,[tabindex]:focus{outline:3px solid #fd0;outline-offset:0}
a:focus{color:#0b0c0c;background:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none;outline:none}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}
.skip{position:absolute;left:-9999px;top:0;padding:10px 15px}
.skip:focus{left:0;z-index:10}
.header{background:#0b0c0c;color:#fff;border-bottom:8px solid var(--brand,#4c2c92)}
.header .logo{height:32px;width:auto;background:#fff;padding:3px 6px;border-radius:3px;vertical-align:middle;margin-right:10px}
.header .wrap{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;padding-top:12px;padding-bottom:12px}
.header a,.header a:visited{color:#fff}
.header a:focus{color:#0b0c0c}
.brand{font-weight:700;text-decoration:none}
.wrap{max-width:1100px;margin:0 auto;padding-left:15px;padding-right:15px}
.wrap--wide{max-width:1400px}
.nav{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:10px;border-bottom:1px solid #b1b4b6;padding:10px 0}
.nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:5px 18px}
.nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}
.who{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
.role{color:#484949}
main{padding-top:20px;padding-bottom:40px}
h1{font-size:1.9rem;line-height:1.15;margin:0 0 20px}
h2{font-size:1.35rem;margin:30px 0 12px}
h3{font-size:1.1rem;margin:20px 0 10px}
p{margin:0 0 15px}
.hint{color:#484949;margin:0 0 8px}
.label{display:block;font-weight:700;margin-bottom:5px}
.field{margin-bottom:20px}
.field--error{border-left:5px solid #b10e1e;padding-left:12px}
.error-message{color:#b10e1e;font-weight:700;margin:0 0 8px}
.input,.select,.textarea{font:inherit;padding:6px;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#0b0c0c}
.input--short{width:10em}.input--medium{width:100%;max-width:22em}.input--long{width:100%;max-width:40em}
.textarea{width:100%;max-width:60em;font-family:ui-monospace,Consolas,monospace;font-size:.95rem}
.input--error{border-color:#b10e1e}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{padding:0}
.choice{display:flex;align-items:center;gap:8px;margin:6px 0}
.choice input{width:24px;height:24px;margin:0;accent-color:#0b0c0c}
.button{display:inline-block;font:inherit;font-weight:400;line-height:1.2;padding:8px 14px;margin:0 12px 12px 0;border:2px solid transparent;border-radius:0;color:#fff;background:#00703c;box-shadow:0 2px 0 #002d18;cursor:pointer;text-decoration:none}
a.button,a.button:visited{color:#fff}
.button:hover{background:#005a30}
.button:focus{border-color:#fd0;background:#fd0;color:#0b0c0c;outline:3px solid transparent}
.button--secondary,a.button--secondary,a.button--secondary:visited{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.button--secondary:hover{background:#dbdad9}
.button--warning{background:#b10e1e;box-shadow:0 2px 0 #55070e}
.button--warning:hover{background:#8e0b18}
.link-button{font:inherit;background:none;border:0;padding:0;color:#1d70b8;text-decoration:underline;cursor:pointer}
.header .link-button,.nav .link-button{color:#1d70b8}
.link-button:focus{color:#0b0c0c;background:#fd0}
form.inline{display:inline}
.error-summary{border:5px solid #b10e1e;padding:15px;margin-bottom:25px}
.error-summary h2{margin-top:0}
.error-summary ul{margin:0;padding:0;list-style:none}
.error-summary a,.error-summary a:visited{color:#b10e1e;font-weight:700}
.banner{border:5px solid #00703c;padding:12px 15px;margin-bottom:25px}
.banner--warning{border-color:#b10e1e}
.banner p{margin:0;font-weight:700}
.summary{margin:0 0 20px;border-top:1px solid #b1b4b6}
.summary div{display:flex;flex-wrap:wrap;gap:4px 15px;padding:8px 0;border-bottom:1px solid #b1b4b6}
.summary dt{font-weight:700;flex:0 0 14em}
.summary dd{margin:0;flex:1 1 14em;word-break:break-word}
.table-wrap{overflow-x:auto;margin-bottom:10px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:700;padding-bottom:8px}
th,td{text-align:left;vertical-align:top;padding:6px 12px 6px 0;border-bottom:1px solid #b1b4b6}
th{font-weight:700}
.num{text-align:right;font-variant-numeric:tabular-nums}
.csv{margin:0 0 8px}
.empty{color:#484949}
.status{display:inline-block;padding:1px 6px;font-weight:700;font-size:.85rem;text-transform:uppercase;border:1px solid currentColor}
.status--ok{color:#005a30}.status--bad{color:#b10e1e}.status--wait{color:#594d00}
pre,.mono{font-family:ui-monospace,Consolas,monospace;font-size:.92rem}
pre{white-space:pre-wrap;word-break:break-word;background:#f3f2f1;padding:10px;margin:0 0 15px}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:10px 30px}
.card{border:1px solid #b1b4b6;padding:12px 15px;margin-bottom:20px}
.chart{position:relative;height:300px}
.stage{border:1px solid #b1b4b6;padding:12px 15px;margin-bottom:15px}
details{margin-bottom:15px}
summary{cursor:pointer;color:#1d70b8}
.search{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end}
.search .field{margin-bottom:12px}
`;
