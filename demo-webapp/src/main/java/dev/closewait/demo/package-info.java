/**
 * The demo orders service that reproduces the failed-login CLOSE_WAIT leak. Empty until the demo
 * is built; the module exists so the build and its layout are in place.
 */
package dev.closewait.demo;
