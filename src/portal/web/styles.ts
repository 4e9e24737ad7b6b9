// The one stylesheet of the portal, served from our origin (the CSP allows no inline style).
// Mobile first; colours meet WCAG 2.1 AA contrast on white (text 19.6:1, links 5.2:1, errors 6.7:1,
// buttons 5.8:1) and every control shows a high-contrast focus ring.
export const portalCss = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:1rem;line-height:1.4;color:#0b0c0c;background:#fff}
a{color:#1d70b8;text-decoration:underline;text-underline-offset:.15em}
a:visited{color:#4c2c92}
a:hover{color:#003078}
a:focus,button:focus,input:focus,summary:focus{outline:3px solid transparent}
a:focus{color:#0b0c0c;background:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}
.skip{position:absolute;left:-9999px;top:0;padding:10px 15px}
.skip:focus{left:0;z-index:10}
.header{background:#fff;color:#0b0c0c;border-bottom:8px solid var(--brand,#1d70b8)}
.header .wrap{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:8px;padding-top:12px;padding-bottom:12px}
.header a,.header a:visited{color:#0b0c0c;text-decoration:none;font-weight:700}
.header .home{display:flex;align-items:center;gap:12px}
.header .logo{height:40px;width:auto;display:block}
.header a:hover{text-decoration:underline}
.header a:focus{color:#0b0c0c}
.header .lang{font-weight:400;text-decoration:underline}
.wrap{max-width:960px;margin:0 auto;padding-left:15px;padding-right:15px}
main{padding-top:20px;padding-bottom:40px;max-width:640px}
.sandbox{background:#fff7bf;border-left:5px solid #0b0c0c;padding:10px 15px;margin:0 0 20px}
.back,.back:visited{display:inline-block;margin:15px 0 0;position:relative;padding-left:14px;color:#0b0c0c}
.back::before{content:"";position:absolute;left:2px;top:.45em;width:7px;height:7px;border:solid currentColor;border-width:0 0 2px 2px;transform:rotate(45deg)}
h1{font-size:1.75rem;line-height:1.15;margin:0 0 20px}
h1 label{display:block}
h2{font-size:1.25rem;margin:30px 0 15px}
p{margin:0 0 20px}
.lead{font-size:1.15rem}
.hint{color:#484949;margin:-10px 0 15px}
.field{margin-bottom:30px}
.field--error{border-left:5px solid #b10e1e;padding-left:15px}
.error-message{display:block;color:#b10e1e;font-weight:700;margin:0 0 15px}
.input{font:inherit;font-size:1.2rem;width:100%;max-width:22em;height:2.5em;padding:5px;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#0b0c0c}
.input--code{max-width:8em;letter-spacing:.2em}
.input--error{border-color:#b10e1e}
.input:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:inset 0 0 0 2px #0b0c0c}
fieldset{border:0;margin:0;padding:0;min-width:0}
legend{padding:0;display:table;max-width:100%}
legend h1{margin-bottom:15px}
.choice{display:flex;align-items:flex-start;gap:10px;margin-bottom:12px}
.choice input{width:40px;height:40px;margin:0;flex:none;accent-color:#0b0c0c}
.choice input:focus{outline:3px solid #fd0;outline-offset:2px;box-shadow:0 0 0 5px #0b0c0c}
.choice label{padding-top:8px;cursor:pointer}
.button{display:inline-block;font:inherit;font-size:1.15rem;font-weight:400;line-height:1.2;padding:10px 15px;margin:0 15px 20px 0;border:2px solid transparent;border-radius:0;color:#fff;background:#00703c;box-shadow:0 2px 0 #002d18;cursor:pointer;text-decoration:none;-webkit-appearance:none}
a.button,a.button:visited{color:#fff}
.button:hover{background:#005a30}
.button:focus{border-color:#fd0;outline:3px solid transparent;box-shadow:inset 0 0 0 1px #fd0;background:#fd0;color:#0b0c0c}
a.button:focus{color:#0b0c0c}
.button--secondary,a.button--secondary,a.button--secondary:visited{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
.button--secondary:hover{background:#dbdad9}
.button--warning{background:#b10e1e;box-shadow:0 2px 0 #55070e}
.button--warning:hover{background:#8e0b18}
.button--start{font-weight:700}
.link-button{font:inherit;background:none;border:0;padding:0;color:#1d70b8;text-decoration:underline;cursor:pointer}
.link-button:focus{color:#0b0c0c;background:#fd0;box-shadow:0 -2px #fd0,0 4px #0b0c0c;text-decoration:none;outline:3px solid transparent}
.error-summary{border:5px solid #b10e1e;padding:15px;margin-bottom:30px}
.error-summary:focus{outline:3px solid #fd0}
.error-summary h2{margin-top:0}
.error-summary ul{margin:0;padding:0;list-style:none}
.error-summary a,.error-summary a:visited{color:#b10e1e;font-weight:700}
.error-summary a:focus{color:#0b0c0c}
.panel{background:#00703c;color:#fff;padding:25px;margin-bottom:30px;text-align:center}
.panel h1{margin-bottom:10px}
.panel p{margin:0;font-size:1.2rem}
.banner{border:5px solid #00703c;padding:15px;margin-bottom:30px}
.banner p{margin:0;font-weight:700}
.summary{margin:0 0 30px;border-top:1px solid #b1b4b6}
.summary div{display:flex;flex-wrap:wrap;gap:5px 15px;padding:10px 0;border-bottom:1px solid #b1b4b6}
.summary dt{font-weight:700;flex:0 0 6em}
.summary dd{margin:0;flex:1 1 10em;word-break:break-word}
.summary .actions{flex:0 0 auto;display:flex;gap:15px}
.inset{border-left:10px solid #b1b4b6;padding:10px 15px;margin:0 0 20px}
.consent{border-left:10px solid #1d70b8;padding:10px 15px;margin:0 0 20px}
.list{padding-left:20px;margin:0 0 20px}
.list li{margin-bottom:5px}
.outbox{width:100%;border-collapse:collapse;margin-bottom:30px}
.outbox th,.outbox td{text-align:left;vertical-align:top;padding:8px 10px 8px 0;border-bottom:1px solid #b1b4b6}
.outbox pre{white-space:pre-wrap;word-break:break-word;margin:0;font-family:ui-monospace,Consolas,monospace;font-size:.95rem}
.footer{border-top:4px solid var(--brand,#b1b4b6);background:#f3f2f1;padding:20px 0;color:#0b0c0c;font-size:.9rem}
@media (min-width:641px){body{font-size:1.1875rem}h1{font-size:2.5rem}main{padding-top:30px}.button{font-size:1.1875rem}}
`;
