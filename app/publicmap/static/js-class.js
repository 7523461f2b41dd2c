/* Marks the page as having JavaScript before it is drawn (no inline script: the CSP forbids it). */
document.documentElement.classList.add("js");
