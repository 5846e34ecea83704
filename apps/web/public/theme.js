// Before first paint, so a dark-mode user never sees a white flash. A file of its own, not an
// inline script: the Content-Security-Policy allows only the app's own script files.
const t = localStorage.getItem('strata-theme');
if (t === 'dark' || (!t && matchMedia('(prefers-color-scheme: dark)').matches)) document.documentElement.classList.add('dark');
