// Runs before the page paints: tells GOV.UK Frontend's CSS and JS that scripts are available.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
