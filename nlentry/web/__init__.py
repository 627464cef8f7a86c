"""The quick-entry web page at ``GET /`` (``nlentry.web.routes``): files shipped in the
package (``static/``) and its texts per locale (``texts/``), calling the API."""
