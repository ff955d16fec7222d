/**
 * The graph runtime: ops compiled once per model from graph nodes, a static memory plan over one
 * arena per session, and the executor that runs the ops in order.
 */
package org.bnn4j.runtime;
