/** JMH benchmarks of the cached-token path, with Spring Security's client as the peer. Not published. */
package dev.agentauth.benchmarks;
