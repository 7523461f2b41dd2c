/* Marks the page as having JavaScript before it is drawn (styles under ".js" show the map
 * instead of the no-script fields). Loaded in <head> as a file: the pages' Content-Security-Policy
 * allows no inline script. */
document.documentElement.className += " js";
