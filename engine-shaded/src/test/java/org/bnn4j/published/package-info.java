/** Tests of the published jar (module org.bnn4j) as an application uses it. */
package org.bnn4j.published;
