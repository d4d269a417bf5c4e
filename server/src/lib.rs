//! Supplyline's server: configuration, persistence, domain services, HTTP, CLI.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod http;
pub mod mail;
pub mod notify;
pub mod odoo;
pub mod secret;
pub mod startup;
pub mod stream;
pub mod sync;
pub mod telemetry;
pub mod webhook;
