package dev.agentauth.spring.boot;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/** The test applications' Spring Security: users alice and bob (password: name + "-pw"), HTTP Basic, every path. */
@Configuration(proxyBeanMethods = false)
public class TestUsers {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(a -> a.anyRequest().authenticated()).httpBasic(Customizer.withDefaults())
                .csrf(c -> c.disable()).build();
    }

    @Bean
    InMemoryUserDetailsManager users() {
        return new InMemoryUserDetailsManager(User.withUsername("alice").password("{noop}alice-pw").roles("USER")
                .build(), User.withUsername("bob").password("{noop}bob-pw").roles("USER").build());
    }
}
